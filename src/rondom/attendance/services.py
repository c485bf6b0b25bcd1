"""Absence protocols applied to the absence on record: a crossed threshold becomes a signal for the right role,
with a due date, and a notification for the people who hold that role for this child.

Evaluation is deterministic: running it again, or over a longer period, finds the same crossings. For an hours
protocol the hours after a signal count afresh towards the next one; for a days-in-a-row protocol one run of
absence gives one signal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom import rollups
from rondom.access import log, policy, tasks
from rondom.accounts.models import Organisation, User
from rondom.core.categories import Action, DataCategory
from rondom.core.roles import OrganisationKind
from rondom.core.schoolyear import SchoolYear
from rondom.db import analyse
from rondom.notifications.services import memberships_for, notify
from rondom.registry.models import Child
from rondom.schoolcalendar import services as calendar
from rondom.schoolcalendar.services import add_working_days
from rondom.versioning import save_versioned

from .importer import upload_path
from .models import (
    AbsenceImport,
    AbsenceKind,
    AbsenceMonth,
    AbsenceProtocol,
    AbsenceRecord,
    ColumnMapping,
    Metric,
    ThresholdSignal,
)

#: How far back an evaluation looks; long enough for every protocol's period and a late import.
LOOKBACK_DAYS = 120
ABSENCE = DataCategory.ABSENCE


# --- Column mappings and uploads ----------------------------------------------------------------------------


def admin_organisations(user: User) -> QuerySet[Organisation]:
    """Schools (and boards) whose absence files this user may import: task right `import_absence` (access.tasks).

    Raises nothing."""
    ids = [m.organisation_id for m in tasks.memberships(user, "import_absence")]
    return Organisation.objects.filter(pk__in=ids)


def may_import_absence(user: User) -> bool:
    """The task right behind *Verzuim inlezen* (page and menu): `import_absence` (access.tasks). Raises nothing."""
    return tasks.may(user, "import_absence")


def importable_schools(user: User) -> QuerySet[Organisation]:
    """The schools whose absence files ``user`` may import: the schools among admin_organisations. Raises
    nothing."""
    return admin_organisations(user).filter(kind=OrganisationKind.SCHOOL)


#: What a line may say after "=" for a code that is not absence (its rows are skipped); compared without case.
NOT_ABSENCE_WORDS = frozenset(
    {"geen verzuim", "niet verzuim", "geen", "overslaan", "negeren", "skip", "not absence", "no absence"}
)
#: How a saved "not absence" code is written back in the mapping form.
NOT_ABSENCE_LABEL = "geen verzuim"


def parse_kind_codes(text: str) -> tuple[dict[str, str], list[str]]:
    """'O = ongeoorloofd' lines → ({"O": "unauthorised"}, []); 'HV = geen verzuim' lines → the second part.

    Kinds by their key or their Dutch/English label; "not absence" by any of :data:`NOT_ABSENCE_WORDS`. Raises
    ValidationError on ``kind_codes`` naming the line: no "=", no code, an unknown kind, a code given twice, or no
    absence code at all."""
    names: dict[str, str] = {}
    for member in AbsenceKind:
        names[member.value] = member.value
        names[str(member.label).lower()] = member.value
        names[str(member.label).split(" (")[0].lower()] = member.value
    names.update({"ongeoorloofd": "unauthorised", "geoorloofd": "authorised", "ziek": "sick", "te laat": "late"})
    names.update({"vrijstelling": "exemption"})
    codes: dict[str, str] = {}
    skip: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        code, sep, kind = line.partition("=")
        meaning = " ".join(kind.split()).lower()
        kind_value = names.get(meaning)
        if not sep or not code.strip() or (kind_value is None and meaning not in NOT_ABSENCE_WORDS):
            message = _("Line %(n)d: write it as “code = kind”, e.g. “O = ongeoorloofd”.") % {"n": number}
            hint = _("For a code that is not absence (present, homework forgotten) write “code = geen verzuim”.")
            raise ValidationError({"kind_codes": f"{message} {hint}"})
        if code.strip().lower() in seen:
            raise ValidationError({"kind_codes": _("Line %(n)d: this code appears twice.") % {"n": number}})
        seen.add(code.strip().lower())
        if kind_value is None:
            skip.append(code.strip())
        else:
            codes[code.strip()] = kind_value
    if not codes:
        raise ValidationError({"kind_codes": _("Give at least one code and its kind.")})
    return codes, skip


def mapping_codes_text(mapping: ColumnMapping) -> str:
    """The codes of a saved mapping as the form shows them: absence codes first, then the codes that are not; each
    kind by its label in the active language ("O = ongeoorloofd", "L = te laat" in Dutch), never by its code
    ("unauthorised"), so that `parse_kind_codes` reads it back.

    Raises nothing."""

    def label(kind: str) -> str:
        try:
            return str(AbsenceKind(kind).label).split(" (")[0].lower()
        except ValueError:  # a kind no longer known: shown as stored, the form then says which line is wrong
            return kind

    lines = [f"{code} = {label(kind)}" for code, kind in mapping.kind_codes.items()]
    lines += [f"{code} = {NOT_ABSENCE_LABEL}" for code in mapping.skip_codes]
    return "\n".join(lines)


def save_mapping(
    actor: User,
    owner: Organisation,
    values: dict[str, Any],
    mapping: ColumnMapping | None = None,
    *,
    version: int | None = None,
) -> ColumnMapping:
    """Create a column mapping, or change `mapping`. `version` is the version of `mapping` the actor read: if
    someone saved in between, Conflict (rondom.versioning) is raised and nothing is written (the form always
    passes it; None skips the check, for set-up code).

    Raises PermissionDenied when the actor administers no owner of the mapping; ValidationError with the keys
    hours_column (neither hours nor a lesson hour), bsn_column (a column named twice), name (taken); Conflict
    (rondom.core.errors) on a stale version."""
    if not admin_organisations(actor).filter(pk=owner.pk).exists():
        raise PermissionDenied
    if not values.get("hours_column") and not values.get("lesson_hour_column"):
        raise ValidationError({"hours_column": _("Give the column with the hours, the lesson hour, or both.")})
    columns = [values.get(n, "").strip().lower() for n in ("bsn_column", "date_column", "kind_column")]
    columns += [values[n].strip().lower() for n in ("hours_column", "lesson_hour_column") if values.get(n)]
    if len(set(columns)) != len(columns):
        raise ValidationError({"bsn_column": _("Each field needs its own column; a column name appears twice.")})
    cleaned = {name: value.strip() if isinstance(value, str) else value for name, value in values.items()}
    others = ColumnMapping.objects.filter(owner=owner, name=cleaned.get("name", mapping.name if mapping else ""))
    if mapping is not None:
        others = others.exclude(pk=mapping.pk)
    if others.exists():
        raise ValidationError({"name": _("There is already a mapping with this name.")})
    if mapping is not None and version is not None:
        with transaction.atomic():
            save_versioned(mapping, version, {**cleaned, "updated_by": actor}, submitted=cleaned)
        return mapping
    mapping = mapping or ColumnMapping(owner=owner)
    for name, value in cleaned.items():
        setattr(mapping, name, value)
    mapping.updated_by = actor
    mapping.save()
    return mapping


def usable_mappings(user: User) -> QuerySet[ColumnMapping]:
    """The column mappings ``user`` may use: those of the organisations they administer and of those organisations'
    boards. Raises nothing."""
    owners = list(admin_organisations(user).values_list("pk", flat=True))
    parents = list(admin_organisations(user).exclude(parent=None).values_list("parent_id", flat=True))
    return ColumnMapping.objects.filter(owner_id__in=owners + parents)


def start_upload(actor: User, school: Organisation, mapping: ColumnMapping, upload: Any) -> AbsenceImport:
    """Store an uploaded file for the worker and queue its import; the page then shows its progress.

    Raises PermissionDenied when the actor may not import for ``school`` or use ``mapping``; ValidationError with
    the key file (larger than ABSENCE_UPLOAD_MAX_MB, or not .csv/.txt/.xlsx)."""
    if not importable_schools(actor).filter(pk=school.pk).exists() or not usable_mappings(actor).filter(pk=mapping.pk):
        raise PermissionDenied
    max_bytes = settings.ABSENCE_UPLOAD_MAX_MB * 1024 * 1024
    name = Path(upload.name or "").name[:200]
    if upload.size > max_bytes:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)d MB. Export a shorter period.")
                % {"mb": settings.ABSENCE_UPLOAD_MAX_MB}
            }
        )
    if Path(name).suffix.lower() not in (".csv", ".txt", ".xlsx"):
        raise ValidationError(
            {"file": _("This is not a CSV or Excel (.xlsx) file. Export the absence as CSV or XLSX.")}
        )
    record = AbsenceImport.objects.create(
        school=school, mapping=mapping, file_name=name, file_size=upload.size, uploaded_by=actor
    )
    path = upload_path(record.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    from .tasks import run_import_task  # tasks import this module

    transaction.on_commit(lambda: run_import_task.enqueue(record.pk))
    return record


# --- Protocols ------------------------------------------------------------------------------------------------


def protocols_for(school: Organisation) -> list[AbsenceProtocol]:
    """The active absence protocols that apply to ``school`` (see applies). Raises nothing."""
    return [p for p in AbsenceProtocol.objects.filter(active=True).prefetch_related("schools") if applies(p, school)]


def applies(protocol: AbsenceProtocol, school: Organisation) -> bool:
    """Whether ``protocol`` applies to ``school``: the schools it names, else every school of its municipality
    (every school when it names none). Raises nothing."""
    named = [s.pk for s in protocol.schools.all()]
    if named:
        return school.pk in named
    return protocol.municipality_id is None or protocol.municipality_id == school.municipality_id


def _school_scope(protocol: AbsenceProtocol) -> Q:
    named = [s.pk for s in protocol.schools.all()]
    if named:
        return Q(school_id__in=named)
    if protocol.municipality_id is not None:
        return Q(school__municipality_id=protocol.municipality_id)
    return Q()


@dataclass(frozen=True)
class Crossing:
    child_id: int
    period_start: date
    crossed_on: date
    value: Decimal
    authorised: bool


def _hours_crossings(
    days: list[tuple[date, int, bool]], protocol: AbsenceProtocol, last: date | None, school_days: set[date]
) -> list[Crossing]:
    """Sliding window over daily minutes: a crossing when the window reaches the threshold; hours count afresh
    after each crossing (after `last`, the latest signal already given). The window is in calendar days, as the
    protocols word it ("16 hours within 4 weeks"), so `school_days` is not used here."""
    needed = int(protocol.threshold * 60)
    window: list[tuple[date, int]] = []
    total = 0
    found: list[Crossing] = []
    reset = last
    for day, minutes, _auth in days:
        if reset is not None and day <= reset:
            continue
        window.append((day, minutes))
        total += minutes
        while window and window[0][0] <= day - timedelta(days=protocol.window_days):
            total -= window.pop(0)[1]
        if total >= needed:
            found.append(Crossing(0, window[0][0], day, Decimal(total) / 60, False))
            window, total, reset = [], 0, day
    return found


def _run_crossings(
    days: list[tuple[date, int, bool]], protocol: AbsenceProtocol, last: date | None, school_days: set[date]
) -> list[Crossing]:
    """School days absent in a row: one crossing per run, when the run reaches the threshold. Only `school_days`
    count (the school's region: no weekends, public holidays or school holidays); a day that is no school day
    neither lengthens nor breaks a run, so absence before and after a holiday is one run."""
    if not days:
        return []
    absent = {day: authorised for day, _m, authorised in days}
    needed = int(protocol.threshold)
    found: list[Crossing] = []
    start: date | None = None
    length, fired, all_authorised = 0, False, True
    day, end = days[0][0], days[-1][0]
    while day <= end:
        if day in school_days:
            if day in absent:
                if start is None:
                    start, length, fired, all_authorised = day, 0, False, True
                length += 1
                all_authorised = all_authorised and absent[day]
                already = last is not None and last >= start
                if length >= needed and not fired and not already:
                    found.append(Crossing(0, start, day, Decimal(length), all_authorised))
                    fired = True
            else:
                start, length = None, 0
        day += timedelta(days=1)
    return found


def evaluate(today: date | None = None, *, school_ids: Iterable[int] | None = None) -> list[ThresholdSignal]:
    """Apply every active protocol to the absence of the last LOOKBACK_DAYS; create the new signals and notify.

    Raises nothing."""
    today = today or timezone.localdate()
    since = today - timedelta(days=LOOKBACK_DAYS)
    created: list[ThresholdSignal] = []
    # Runs count school days of the school's holiday region (rondom.schoolcalendar): one set per region.
    regions = {pk: calendar.region_named(own) for pk, own in Organisation.objects.values_list("pk", "holiday_region")}
    school_days: dict[str, set[date]] = {}
    for protocol in AbsenceProtocol.objects.filter(active=True).prefetch_related("schools"):
        rows = AbsenceRecord.objects.filter(
            _school_scope(protocol),
            kind__in=protocol.kinds,
            date__gte=since,
            date__lte=today,
            child__anonymised_at__isnull=True,
        )
        if school_ids is not None:
            rows = rows.filter(school_id__in=list(school_ids))
        per_child: dict[int, dict[date, list[int]]] = defaultdict(dict)
        school_of: dict[int, int] = {}
        for child_id, school_id, day, minutes, kind in rows.values_list(
            "child_id", "school_id", "date", "minutes", "kind"
        ).order_by("child_id", "date"):
            school_of[child_id] = school_id  # the latest school the absence was reported by
            slot = per_child[child_id].setdefault(day, [0, 1])
            slot[0] += minutes
            slot[1] = slot[1] and kind != AbsenceKind.UNAUTHORISED
        last_signal = dict(
            ThresholdSignal.objects.filter(protocol=protocol, child_id__in=list(per_child))
            .order_by("child_id", "crossed_on")
            .values_list("child_id", "crossed_on")
        )
        crossings = _hours_crossings if protocol.metric == Metric.HOURS_IN_WINDOW else _run_crossings
        for child_id, by_day in per_child.items():
            days = [(day, m, bool(auth)) for day, (m, auth) in sorted(by_day.items())]
            region = regions.get(school_of[child_id]) or calendar.region_named("")
            if region not in school_days:
                school_days[region] = set(calendar.school_days(since, today, region))
            for crossing in crossings(days, protocol, last_signal.get(child_id), school_days[region]):
                signal = _create_signal(protocol, child_id, crossing)
                if signal is not None:
                    created.append(signal)
    return created


def _create_signal(protocol: AbsenceProtocol, child_id: int, crossing: Crossing) -> ThresholdSignal | None:
    with transaction.atomic():
        signal, new = ThresholdSignal.objects.get_or_create(
            child_id=child_id,
            protocol=protocol,
            crossed_on=crossing.crossed_on,
            defaults={
                "role": protocol.signal_role,
                "period_start": crossing.period_start,
                "value": crossing.value,
                "due_on": add_working_days(crossing.crossed_on, protocol.due_working_days),
            },
        )
        if not new:
            return None
        signal.authorised = crossing.authorised  # type: ignore[attr-defined]
        child = Child.objects.get(pk=child_id)
        # A teacher is told only about the pupils of the groups he or she teaches (rules.GROUP_BOUND_SCHOOL_ROLES).
        holders = policy.teachers_of(memberships_for(protocol.signal_role, child), child, timezone.localdate())
        recipients = [m.user for m in holders]
        notify(
            recipients,
            title=_("Absence signal: %(protocol)s — act before %(due)s")
            % {"protocol": protocol.name, "due": signal.due_on.strftime("%d-%m-%Y")},
            url=reverse("attendance:signal", args=[child_id, signal.pk]),
            key=f"absence-signal:{signal.pk}",
        )
    return signal


# --- Signals for the people who act on them -------------------------------------------------------------------


#: The status filter of the signals list: open (default), overdue (open and past its due date), handled, all.
SIGNAL_STATUSES = ("open", "overdue", "handled", "all")


@dataclass
class SignalList:
    """The signals list of one user (see `signals_for`): the signals as a query (to count and page), the user
    (for the decisions of the page shown, `decisions`), and the schools of the children with signals in this
    status (the school filter)."""

    signals: QuerySet[ThresholdSignal]
    user: User
    school_ids: set[int]

    def decisions(self, children: Iterable[Child]) -> dict[int, policy.Decision]:
        """The read decision on absence for the children of one page (by child id; `policy.decide_many` over only
        those, for the access log's ground)."""
        return policy.decide_many(self.user, children, Action.READ, ABSENCE)


def signals_for(
    user: User,
    *,
    today: date,
    status: str = "open",
    school: int | None = None,
    protocol: int | None = None,
) -> SignalList:
    """The signals list of leerplicht, the youth doctor and the school's support roles (issue 14: a work list):
    signals addressed to one of the user's roles, for children whose absence the user may read (which implies they
    are in the user's scope), with the read decision per child.

    `status` (one of `SIGNAL_STATUSES`): open signals by due date, so those past their "handelen vóór" date on
    `today` come first; overdue only those; handled ones last handled first; all of them open first. `school`,
    `protocol`: narrow to one school (the child's current school) or one protocol (the kind of signal).
    The list is one query on the signals with the policy's list scope in it (`policy.allowed_children(user, READ,
    ABSENCE)`, issue 17: no decision per signal or child); the school filter's choices one more. Raises nothing."""
    roles = {m.role for m in user.roles()}
    signals = ThresholdSignal.objects.filter(role__in=roles)
    if status == "handled":
        signals = signals.filter(handled_at__isnull=False).order_by("-handled_at", "-id")
    elif status == "all":
        signals = signals.order_by(F("handled_at").desc(nulls_first=True), "due_on", "id")
    else:
        signals = signals.filter(handled_at__isnull=True).order_by("due_on", "id")
        if status == "overdue":
            signals = signals.filter(due_on__lt=today)
    signals = signals.filter(child__in=policy.allowed_children(user, Action.READ, ABSENCE))
    school_ids = set(
        Child.objects.filter(pk__in=signals.values("child_id"), school_id__isnull=False)
        .order_by()
        .values_list("school_id", flat=True)
        .distinct()
    )
    if school:
        signals = signals.filter(child__school_id=school)
    if protocol:
        signals = signals.filter(protocol_id=protocol)
    return SignalList(signals.select_related("protocol", "child", "child__school"), user, school_ids)


def open_signals_for(user: User) -> list[ThresholdSignal]:
    """Open signals addressed to one of the user's roles, for children the user may see the absence of, by due
    date. Raises nothing."""
    return list(signals_for(user, today=timezone.localdate()).signals)


def signal_protocols(user: User) -> QuerySet[AbsenceProtocol]:
    """The protocols (kinds of signal) addressed to one of the user's roles (the signals list's kind filter).

    Raises nothing; no child data (the protocols are the municipality's rules)."""
    roles = {m.role for m in user.roles()}
    return AbsenceProtocol.objects.filter(pk__in=ThresholdSignal.objects.filter(role__in=roles).values("protocol_id"))


def handle_signal(actor: User, signal: ThresholdSignal, note: str) -> ThresholdSignal:
    """The addressed role marks the signal as acted on (e.g. reported to DUO, parents invited).

    Raises PermissionDenied when the signal is not addressed to one of the actor's roles or the actor may not see
    the child's absence; ValidationError without a key (already handled) or with the key note (empty).

    The access-log row follows what the actor's ground allows (access.rules): an `update` of the signal where a ground
    lets the actor change absence (the leerplichtambtenaar's legal task, `rw`), else a `read` of it on the ground
    that showed it (a youth doctor's signal ground and the school's support roles only read absence): a reading
    ground never yields an update row (`Decision.for_action` refuses it)."""
    bases = policy.bases_for(actor, signal.child)
    decision = policy.decide_with(bases, Action.READ, ABSENCE)
    if not decision.allowed or not actor.has_role(signal.role):
        raise PermissionDenied
    if signal.handled_at is not None:
        raise ValidationError(_("This signal has already been handled."))
    if not note.strip():
        raise ValidationError({"note": _("Say what was done.")})
    change = policy.decide_with(bases, Action.UPDATE, ABSENCE)
    with transaction.atomic():
        signal.handled_at = timezone.now()
        signal.handled_by = actor
        signal.handled_note = note.strip()
        signal.save(update_fields=["handled_at", "handled_by", "handled_note"])
        if change.allowed:
            log.log_change(
                actor, change, signal.child_id, action=Action.UPDATE, object_type="absence_signal", object_id=signal.pk
            )
        else:
            log.log_read(actor, decision, signal.child_id, object_type="absence_signal", object_id=signal.pk)
    return signal


def absence_summary(child: Child, today: date | None = None, weeks: int = 12) -> list[tuple[str, Decimal]]:
    """Hours per kind over the last `weeks` weeks, for the child page.

    Raises nothing; the caller has checked the policy."""
    today = today or timezone.localdate()
    totals: dict[str, int] = defaultdict(int)
    for kind, minutes in AbsenceRecord.objects.filter(
        child=child, date__gt=today - timedelta(weeks=weeks), date__lte=today
    ).values_list("kind", "minutes"):
        totals[kind] += minutes
    return [(str(AbsenceKind(k).label), Decimal(totals[k]) / 60) for k in AbsenceKind.values if totals.get(k)]


#: AbsenceMonth: minutes (total) and records (count) per school, month and kind (rondom.rollups)
ABSENCE_SOURCE = rollups.Source(
    rows=lambda: AbsenceRecord.objects.all(), school="school_id", day="date", total=lambda: Sum("minutes"), key="kind"
)


def insert_absence(where: Q | None, skip_years: Iterable[int]) -> int:
    """INSERT ... SELECT the AbsenceMonth rows of the absence records matching `where` (all: None), leaving out
    those of `skip_years`. Returns the number of rows written; the caller deletes what they replace. Raises only the
    database's own errors (an IntegrityError when the caller did not delete the rows first)."""
    return rollups.insert_select(
        AbsenceMonth._meta.db_table,
        ["school_id", "month", "kind", "minutes", "records"],
        ABSENCE_SOURCE.grouped(where, skip_years),
        [
            rollups.column("at"),
            rollups.column("when"),
            rollups.column("k"),
            f"COALESCE({rollups.column('total')}, 0)",
            rollups.column("n"),
        ],
        [],
    )


def refresh_absence_months(school_ids: Iterable[int] | None = None) -> int:
    """Recompute the monthly absence rollup (`AbsenceMonth`) from the absence records, for the given schools or for
    all (the full rebuild): delete and refill in one transaction with one INSERT ... SELECT, so a reader sees the
    old or the new figures, never half, and no row passes through Python. The months of frozen (published) school
    years keep their figures (rondom.rollups.queue().frozen_years()). Returns the number of rollup rows written.

    After an import the worker refreshes only the school-months the import touched (monitoring.rollup.drain); this
    is for repairs (`manage.py rebuild_rollups`), the demo and the benchmarks. Raises nothing."""
    with transaction.atomic():
        frozen = rollups.queue().frozen_years()
        months = AbsenceMonth.objects.all()
        for year in frozen:
            months = months.exclude(month__gte=SchoolYear(year).first_day, month__lte=SchoolYear(year).last_day)
        where = None
        if school_ids is not None:
            ids = sorted(set(school_ids))
            months, where = months.filter(school_id__in=ids), Q(school_id__in=ids)
        months.delete()
        written = insert_absence(where, frozen)
    analyse(AbsenceMonth._meta.db_table)
    return written
