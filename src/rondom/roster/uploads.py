"""The functioneel beheerder's web import of a roster (issue 15): upload → dry run by the worker → the report of what
would be added, changed and ended → confirmation → the import itself by the worker. The same reader and the same
`apply_roster` as the management command, so the same checks; a progress bar through `rondom.progress`.

The uploaded file is kept under VAR_DIR (``roster/<id>.upload``) from the upload until the import is done or refused,
never longer. Who may: task right ``import_roster`` (access.tasks: the functioneel beheerder of the school itself).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rondom import progress as shared_progress
from rondom.access import tasks
from rondom.accounts.models import Organisation, User
from rondom.core.roles import OrganisationKind
from rondom.core.schoolyear import SchoolYear
from rondom.registry.models import Guardianship
from rondom.versioning import save_versioned

from . import mapped
from .edexml import parse_edexml
from .models import RosterMapping, RosterUpload, UploadKind, UploadStatus
from .types import RosterRefused, RowError

logger = logging.getLogger("rondom.roster")

#: The folder under VAR_DIR of the stored uploads and their progress files (rondom.progress's ``kind``).
PROGRESS_KIND = "roster"
#: The first this many row errors are kept and shown; the count says how many there were.
MAX_ERRORS_SHOWN = 200
#: Uploads larger than this are refused at once (an EDEXML of 24,000 pupils is about 12 MB).
MAX_UPLOAD_MB = 50
SUFFIXES = {
    UploadKind.EDEXML: (".xml",),
    UploadKind.MAPPED: (".csv", ".txt", ".xlsx"),
    UploadKind.PARENTS: (".csv", ".txt", ".xlsx"),
}


def may_import_roster(user: User) -> bool:
    """The task right behind *Leerlingen inlezen* (page and menu): ``import_roster``. Raises nothing."""
    return tasks.may(user, "import_roster")


def roster_schools(user: User) -> QuerySet[Organisation]:
    """The schools whose roster ``user`` may import: those where he or she is the functioneel beheerder (task right
    ``import_roster``, scope own organisation). Raises nothing."""
    ids = [m.organisation_id for m in tasks.memberships(user, "import_roster")]
    return Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.SCHOOL).order_by("name")


def usable_mappings(user: User) -> QuerySet[RosterMapping]:
    """The saved column mappings ``user`` may use and edit: those of the schools he or she is the beheerder of.
    Raises nothing."""
    return RosterMapping.objects.filter(school__in=roster_schools(user)).select_related("school")


def upload_path(upload_id: int) -> Path:
    """Where the uploaded file waits for the worker (VAR_DIR/roster/<id>.upload)."""
    return Path(settings.VAR_DIR) / PROGRESS_KIND / f"{upload_id}.upload"


def start_upload(
    actor: User, school: Organisation, kind: str, upload: Any, *, mapping_id: int | None = None, full: bool = True
) -> RosterUpload:
    """Store an uploaded file and queue its dry run for the worker; the page then shows its progress.

    ``kind`` is an `UploadKind`; ``mapping_id`` the saved column mapping of a spreadsheet (required for
    ``mapped`` and ``parents``: one of this school's, of the matching kind); ``full`` says the file holds every
    current pupil (only then are pupils missing from it marked as having left). Raises PermissionDenied when
    ``actor`` is not the functioneel beheerder of ``school``; ValidationError with the key ``file`` (too large,
    wrong type) or ``mapping`` (none, another school's, or of the other kind)."""
    if not roster_schools(actor).filter(pk=school.pk).exists():
        raise PermissionDenied
    name = Path(upload.name or "").name[:200]
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        raise ValidationError({"file": _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_MB}})
    if Path(name).suffix.lower() not in SUFFIXES[UploadKind(kind)]:
        message = (
            _("This is not an EDEXML file (.xml). Export the pupils from the school system as EDEXML.")
            if kind == UploadKind.EDEXML
            else _("This is not a CSV or Excel (.xlsx) file.")
        )
        raise ValidationError({"file": message})
    mapping = None
    if kind != UploadKind.EDEXML:
        wanted = RosterMapping.Kind.PARENTS if kind == UploadKind.PARENTS else RosterMapping.Kind.PUPILS
        mapping = RosterMapping.objects.filter(pk=mapping_id or 0, school=school, kind=wanted).first()
        if mapping is None:
            raise ValidationError({"mapping": _("Choose a column mapping of this school for this kind of file.")})
    digest = hashlib.sha256()
    record = RosterUpload.objects.create(
        school=school,
        kind=kind,
        mapping=mapping,
        file_name=name,
        file_size=upload.size,
        uploaded_by=actor,
        full=full,
    )
    path = upload_path(record.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    RosterUpload.objects.filter(pk=record.pk).update(sha256=digest.hexdigest())
    from .tasks import check_roster_task  # tasks import this module

    transaction.on_commit(lambda: check_roster_task.enqueue(record.pk))
    return record


#: A dry run that would mark more than this share of the school's current pupils as having left (or end more than
#: this share of its groups) asks the beheerder to acknowledge it in so many words: a partial export uploaded as a
#: full one would otherwise take most of the school out of its own lists (found in the new-user trial, issue 15).
LARGE_ENDING_SHARE = 0.10


def needs_acknowledgement(report: dict[str, Any]) -> bool:
    """Whether the dry run's ``report`` (a `RosterReport` as a dict) ends so many pupils or groups that confirming
    needs an explicit acknowledgement: more than `LARGE_ENDING_SHARE` of the pupils the school had (unchanged,
    changed and ended), or any teacher losing a group. Raises nothing."""
    ended = len(report.get("ended") or [])
    before = ended + len(report.get("changed") or []) + int(report.get("unchanged") or 0)
    many = ended > 0 and (before == 0 or ended / before > LARGE_ENDING_SHARE)
    return many or int(report.get("teachers_unlinked") or 0) > 0


def confirm(actor: User, record: RosterUpload, *, acknowledged: bool = False) -> bool:
    """The beheerder confirms the dry run: queue the import itself. Idempotent: only the first confirmation of a
    checked upload queues it (a second click, a second tab, a resent form change nothing) — returns whether this
    call queued it. A dry run that `needs_acknowledgement` is confirmed only with ``acknowledged``. Raises
    PermissionDenied when ``actor`` is not the school's functioneel beheerder; ValidationError keyed
    ``acknowledged`` when the acknowledgement is needed and missing."""
    if not roster_schools(actor).filter(pk=record.school_id).exists():
        raise PermissionDenied
    if record.status == UploadStatus.CHECKED and needs_acknowledgement(record.report) and not acknowledged:
        raise ValidationError(
            {"acknowledged": _("Tick that you have checked the pupils marked as having left and the groups ended.")}
        )
    queued = RosterUpload.objects.filter(pk=record.pk, status=UploadStatus.CHECKED).update(
        status=UploadStatus.APPLYING, confirmed_by=actor
    )
    if queued:
        from .tasks import apply_roster_task

        transaction.on_commit(lambda: apply_roster_task.enqueue(record.pk))
    return bool(queued)


def _read(record: RosterUpload, path: Path, today: date) -> Any:
    """The file as the reader gives it: a `Roster` (EDEXML, mapped spreadsheet of the school year of ``today``) or
    a list of `RosterParent`. Raises RosterRefused."""
    if record.kind == UploadKind.EDEXML:
        roster = parse_edexml(path)
        roster.full = record.full
        return roster
    assert record.mapping is not None  # start_upload requires one
    if record.kind == UploadKind.PARENTS:
        return mapped.read_parents(path, record.mapping)
    roster = mapped.read_pupils(path, record.mapping, school=record.school, school_year=str(SchoolYear.of(today)))
    roster.full = record.full
    return roster


def _apply(record: RosterUpload, actor: User, *, today: date, dry_run: bool) -> dict[str, Any]:
    from . import services

    path = upload_path(record.pk)

    def progress(done: int, total: int) -> None:
        shared_progress.write_progress(PROGRESS_KIND, record.pk, done, done / total if total else 1.0)

    content = _read(record, path, today)
    school = record.school
    run: Callable[..., Any] = (
        services.apply_parents if record.kind == UploadKind.PARENTS else services.apply_roster  # type: ignore[attr-defined]
    )
    report = run(actor, school, content, today=today, dry_run=dry_run, progress=progress)
    return asdict(report)


def _refuse(record: RosterUpload, errors: list[RowError]) -> None:
    record.status = UploadStatus.REFUSED
    record.errors = [{"row": e.row, "field": e.field, "message": e.message} for e in errors[:MAX_ERRORS_SHOWN]]
    record.report = {**record.report, "error_count": len(errors)}
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "errors", "report", "finished_at"])
    upload_path(record.pk).unlink(missing_ok=True)


def _fail(record: RosterUpload, error: Exception, step: str) -> None:
    """An unexpected error in the worker (a database error, a bug): logged by its class and the upload's id only
    (an exception's message may quote a row's values), then the upload ends as refused with a general Dutch message
    and the stored file is removed, so nothing waits for ever and no file of BSNs stays behind."""
    logger.error("roster upload %s: %s failed with %s", record.pk, step, type(error).__name__)
    _refuse(
        record,
        [
            RowError(
                0,
                "",
                _(
                    "Something went wrong while reading or importing the file; nothing was changed. Try again "
                    "later; if it happens again, ask the administrator."
                ),
            )
        ],
    )


def _run(record: RosterUpload, actor: User, *, today: date, dry_run: bool) -> dict[str, Any] | None:
    """`_apply` for the worker: the report, or None when the upload ended here (a refused file with its row report,
    a beheerder who may no longer import, or any other error: `_fail`). The progress is cleared either way."""
    try:
        return _apply(record, actor, today=today, dry_run=dry_run)
    except RosterRefused as refused:
        _refuse(record, refused.errors)
    except PermissionDenied:
        _refuse(record, [RowError(0, "", _("You may no longer import the pupils of this school."))])
    except Exception as error:  # any other error ends the upload (see _fail)
        _fail(record, error, "dry run" if dry_run else "import")
    finally:
        shared_progress.clear_progress(PROGRESS_KIND, record.pk)
    return None


def run_check(record: RosterUpload, *, today: date) -> RosterUpload:
    """The worker's dry run of an upload: read the stored file and apply it with ``dry_run=True`` (nothing written);
    the report (counts; the pupils to be added, changed and ended) goes on the record, which then waits for the
    beheerder's confirmation. A refused file ends here (its row report on the record, the file removed). Only an
    upload still ``checking`` is run (a task delivered twice changes nothing). Raises nothing of its own."""
    if record.status != UploadStatus.CHECKING:
        return record
    report = _run(record, record.uploaded_by, today=today, dry_run=True)  # type: ignore[arg-type]
    if report is None:
        return record
    record.report = report
    record.status = UploadStatus.CHECKED
    record.save(update_fields=["report", "status"])
    return record


def run_apply(record: RosterUpload, *, today: date) -> RosterUpload:
    """The worker's import of a confirmed upload: the same file, applied for real by the beheerder who confirmed
    it (all-or-nothing in `apply_roster`). Only an upload ``applying`` and not yet finished is run. The stored file
    is removed afterwards, whatever the outcome. Raises nothing of its own."""
    if record.status != UploadStatus.APPLYING or record.finished_at is not None:
        return record
    result = _run(record, record.confirmed_by, today=today, dry_run=False)  # type: ignore[arg-type]
    if result is None:
        return record
    record.result = result
    record.status = UploadStatus.DONE
    record.finished_at = timezone.now()
    record.save(update_fields=["result", "status", "finished_at"])
    upload_path(record.pk).unlink(missing_ok=True)
    return record


#: A dry run not confirmed within this many days ends (its file removed, its lists of names emptied).
UNCONFIRMED_KEEP_DAYS = 7
#: The reports of refused and finished uploads keep their lists of pupils' names this many days.
REPORT_KEEP_DAYS = 30
#: An upload still being checked or imported after this long was lost by the worker (a restart): it ends.
STUCK_AFTER = timedelta(days=1)


def _without_names(report: dict[str, Any]) -> dict[str, Any]:
    """A report (RosterReport as a dict) with every list of names emptied; its counts stay (``<list>_count``)."""
    kept = dict(report)
    for key, value in report.items():
        if isinstance(value, list):
            kept[f"{key}_count"] = len(value)
            kept[key] = []
    return kept


def purge_uploads(*, now: datetime) -> dict[str, int]:
    """Remove what roster uploads keep longer than needed (privacy: the file holds every pupil's BSN, the reports
    their names). Uploads checked but not confirmed within UNCONFIRMED_KEEP_DAYS, and uploads still checking or
    applying after STUCK_AFTER, end as refused; every ended upload loses its stored file, and the reports of
    uploads refused or done more than REPORT_KEEP_DAYS ago lose their lists of names (the counts stay; row errors
    hold no cell's value and stay). Run daily by the scheduler (settings.SCHEDULED_TASKS,
    roster.tasks.purge_roster_uploads_task).
    ``now`` is the moment it counts as. Returns {"expired", "stuck", "files_removed", "reports_emptied"}. Raises
    nothing of its own."""
    counts = {"expired": 0, "stuck": 0, "files_removed": 0, "reports_emptied": 0}
    expired = RosterUpload.objects.filter(
        status=UploadStatus.CHECKED, created_at__lt=now - timedelta(days=UNCONFIRMED_KEEP_DAYS)
    )
    message = _("The trial run was not confirmed in time; upload the file again.")
    for record in expired:
        _refuse(record, [RowError(0, "", message)])
        counts["expired"] += 1
    stuck = RosterUpload.objects.filter(
        status__in=[UploadStatus.CHECKING, UploadStatus.APPLYING], created_at__lt=now - STUCK_AFTER
    )
    for record in stuck:
        _refuse(record, [RowError(0, "", _("The file was not processed; nothing was changed. Upload it again."))])
        counts["stuck"] += 1
    ended = RosterUpload.objects.filter(status__in=[UploadStatus.REFUSED, UploadStatus.DONE]).values_list(
        "pk", flat=True
    )
    for pk in ended.iterator():
        path = upload_path(pk)
        if path.exists():
            path.unlink(missing_ok=True)
            counts["files_removed"] += 1
    old = RosterUpload.objects.filter(
        status__in=[UploadStatus.REFUSED, UploadStatus.DONE],
        finished_at__lt=now - timedelta(days=REPORT_KEEP_DAYS),
    )
    for record in old.iterator():
        report, result = _without_names(record.report), _without_names(record.result)
        if (report, result) != (record.report, record.result):
            record.report, record.result = report, result
            record.save(update_fields=["report", "result"])
            counts["reports_emptied"] += 1
    return counts


def progress_of(record: RosterUpload) -> dict[str, Any]:
    """{"rows", "fraction"} of the running step of ``record`` (rondom.progress). Raises nothing."""
    return shared_progress.read_progress(PROGRESS_KIND, record.pk)


# --- Column mappings of roster spreadsheets ---------------------------------------------------------------------


def parse_relation_words(text: str) -> dict[str, str]:
    """'Mama = parent' / 'Pleegmoeder = pleegouder' lines -> {"mama": "parent", ...}: the file's own words for a
    relation, by the relation's key or its Dutch or English label (Guardianship.Relation). Blank lines are skipped.
    Raises ValidationError on ``relation_values`` naming the line: no "=", or an unknown relation."""
    names: dict[str, str] = {}
    for member in Guardianship.Relation:
        names[member.value.lower()] = member.value
        for language in ("nl", "en"):
            with translation.override(language):
                names[str(member.label).lower()] = member.value
    words: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        word, equals, relation = line.partition("=")
        if not equals or not word.strip() or relation.strip().lower() not in names:
            raise ValidationError(
                {
                    "relation_values": _(
                        "Line %(n)d: write it as “word = relation” with one of the relations: %(relations)s."
                    )
                    % {"n": number, "relations": ", ".join(str(m.label) for m in Guardianship.Relation)}
                }
            )
        words[word.strip().lower()] = names[relation.strip().lower()]
    return words


def save_mapping(
    actor: User,
    school: Organisation,
    values: dict[str, Any],
    mapping: RosterMapping | None = None,
    *,
    version: int | None = None,
) -> RosterMapping:
    """Create a roster column mapping for ``school``, or change ``mapping``. ``values``: name, kind, date_format,
    columns ({field: the column's header}, blanks left out; the fields of mapped.PUPIL_FIELDS or PARENT_FIELDS)
    and relation_values ({word: relation}). ``version`` is the version the actor read (None skips the check).

    Raises PermissionDenied when ``actor`` is not the school's functioneel beheerder; ValidationError with the key
    name (taken at this school) or columns (a required field without a column, or one column named twice);
    Conflict (rondom.core.errors) when someone saved in between — nothing is written then."""
    if not roster_schools(actor).filter(pk=school.pk).exists():
        raise PermissionDenied
    kind = values["kind"]
    required = mapped.PARENT_REQUIRED if kind == RosterMapping.Kind.PARENTS else mapped.PUPIL_REQUIRED
    allowed = mapped.PARENT_FIELDS if kind == RosterMapping.Kind.PARENTS else mapped.PUPIL_FIELDS
    columns = {f: str(v).strip() for f, v in values["columns"].items() if f in allowed and str(v).strip()}
    missing = [f for f in required if f not in columns]
    if missing:
        raise ValidationError({f"column_{f}": _("Give the column of this field.") for f in missing})
    headers = [h.lower().replace(" ", "") for h in columns.values()]
    if len(set(headers)) != len(headers):
        raise ValidationError({"name": _("Each field needs its own column; a column name appears twice.")})
    name = str(values["name"]).strip()
    others = RosterMapping.objects.filter(school=school, name=name)
    if mapping is not None:
        others = others.exclude(pk=mapping.pk)
    if others.exists():
        raise ValidationError({"name": _("There is already a mapping with this name.")})
    cleaned = {
        "name": name,
        "kind": kind,
        "date_format": values["date_format"],
        "columns": columns,
        "relation_values": values.get("relation_values") or {},
    }
    if mapping is not None and version is not None:
        with transaction.atomic():
            save_versioned(mapping, version, {**cleaned, "updated_by": actor}, submitted=cleaned)
        return mapping
    mapping = mapping or RosterMapping(school=school)
    for field_name, value in cleaned.items():
        setattr(mapping, field_name, value)
    mapping.updated_by = actor
    mapping.save()
    return mapping
