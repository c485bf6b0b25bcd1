"""The functioneel beheerder's web import of a roster (issue 15): upload → dry run by the worker → the report of what
would be added, changed and ended → confirmation → the import itself by the worker. The same reader and the same
`apply_roster` as the management command, so the same checks; a progress bar through `rondom.progress`.

The uploaded file is kept under VAR_DIR (``roster/<id>.upload``) from the upload until the import is done or refused,
never longer. Who may: task right ``import_roster`` (access.tasks: the functioneel beheerder of the school itself).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom import progress as shared_progress
from rondom.access import tasks
from rondom.accounts.models import Organisation, User
from rondom.core.roles import OrganisationKind

from .models import RosterUpload, UploadKind, UploadStatus
from .types import RosterRefused, RowError

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


def usable_mappings(user: User) -> list[Any]:
    """The saved column mappings (rondom.roster.mapped.RosterMapping) ``user`` may use: those of the schools he or
    she is the beheerder of. Raises nothing."""
    try:
        from .mapped import RosterMapping
    except ImportError:  # the mapped reader is not there yet
        return []
    return list(RosterMapping.objects.filter(school__in=roster_schools(user)))


def upload_path(upload_id: int) -> Path:
    """Where the uploaded file waits for the worker (VAR_DIR/roster/<id>.upload)."""
    return Path(settings.VAR_DIR) / PROGRESS_KIND / f"{upload_id}.upload"


def start_upload(
    actor: User, school: Organisation, kind: str, upload: Any, *, mapping_id: int | None = None
) -> RosterUpload:
    """Store an uploaded file and queue its dry run for the worker; the page then shows its progress.

    ``kind`` is an `UploadKind`; ``mapping_id`` the saved column mapping of a spreadsheet (required for
    ``mapped`` and ``parents``). Raises PermissionDenied when ``actor`` is not the functioneel beheerder of
    ``school``; ValidationError with the key ``file`` (too large, wrong type) or ``mapping`` (none chosen)."""
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
    if kind != UploadKind.EDEXML and mapping_id is None:
        raise ValidationError({"mapping": _("Choose the column mapping of this spreadsheet.")})
    digest = hashlib.sha256()
    record = RosterUpload.objects.create(
        school=school,
        kind=kind,
        mapping_id=mapping_id if kind != UploadKind.EDEXML else None,
        file_name=name,
        file_size=upload.size,
        uploaded_by=actor,
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


def confirm(actor: User, record: RosterUpload) -> bool:
    """The beheerder confirms the dry run: queue the import itself. Idempotent: only the first confirmation of a
    checked upload queues it (a second click, a second tab, a resent form change nothing) — returns whether this
    call queued it. Raises PermissionDenied when ``actor`` is not the school's functioneel beheerder."""
    if not roster_schools(actor).filter(pk=record.school_id).exists():
        raise PermissionDenied
    queued = RosterUpload.objects.filter(pk=record.pk, status=UploadStatus.CHECKED).update(
        status=UploadStatus.APPLYING, confirmed_by=actor
    )
    if queued:
        from .tasks import apply_roster_task

        transaction.on_commit(lambda: apply_roster_task.enqueue(record.pk))
    return bool(queued)


def _read(record: RosterUpload, path: Path) -> Any:
    """The file as the backend's reader gives it: a `Roster` (EDEXML, mapped spreadsheet) or a list of
    `RosterParent`. Raises RosterRefused."""
    if record.kind == UploadKind.EDEXML:
        from .edexml import parse_edexml

        return parse_edexml(path)
    from . import mapped

    mapping = mapped.RosterMapping.objects.get(pk=record.mapping_id)
    if record.kind == UploadKind.PARENTS:
        return mapped.read_parents(path, mapping)
    return mapped.read_roster(path, mapping)


def _apply(record: RosterUpload, actor: User, *, today: date, dry_run: bool) -> dict[str, Any]:
    from . import services

    path = upload_path(record.pk)

    def progress(done: int, total: int) -> None:
        shared_progress.write_progress(PROGRESS_KIND, record.pk, done, done / total if total else 1.0)

    content = _read(record, path)
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


def run_check(record: RosterUpload, *, today: date) -> RosterUpload:
    """The worker's dry run of an upload: read the stored file and apply it with ``dry_run=True`` (nothing written);
    the report (counts; the pupils to be added, changed and ended) goes on the record, which then waits for the
    beheerder's confirmation. A refused file ends here (its row report on the record, the file removed). Only an
    upload still ``checking`` is run (a task delivered twice changes nothing). Raises nothing of its own."""
    if record.status != UploadStatus.CHECKING:
        return record
    try:
        report = _apply(record, record.uploaded_by, today=today, dry_run=True)  # type: ignore[arg-type]
    except RosterRefused as refused:
        _refuse(record, refused.errors)
        return record
    except PermissionDenied:
        _refuse(record, [RowError(0, "", _("You may no longer import the pupils of this school."))])
        return record
    finally:
        shared_progress.clear_progress(PROGRESS_KIND, record.pk)
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
    try:
        result = _apply(record, record.confirmed_by, today=today, dry_run=False)  # type: ignore[arg-type]
    except RosterRefused as refused:
        _refuse(record, refused.errors)
        return record
    except PermissionDenied:
        _refuse(record, [RowError(0, "", _("You may no longer import the pupils of this school."))])
        return record
    finally:
        shared_progress.clear_progress(PROGRESS_KIND, record.pk)
    record.result = result
    record.status = UploadStatus.DONE
    record.finished_at = timezone.now()
    record.save(update_fields=["result", "status", "finished_at"])
    upload_path(record.pk).unlink(missing_ok=True)
    return record


def progress_of(record: RosterUpload) -> dict[str, Any]:
    """{"rows", "fraction"} of the running step of ``record`` (rondom.progress). Raises nothing."""
    return shared_progress.read_progress(PROGRESS_KIND, record.pk)
