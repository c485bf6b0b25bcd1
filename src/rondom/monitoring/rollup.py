"""The monitoring's monthly rollups, computed in the database and refreshed where facts change.

Two tables are rolled up per school and calendar month: `MonthlyFact` (goal evaluations, questionnaire answers,
closed cases, help requests, school moves) and `attendance.AbsenceMonth` (absence minutes and records per kind).
Each fact is one `rondom.rollups.Source` (the shared machinery, also used for absence by attendance.services): its
raw rows, where a row is counted (the school), when (a day, or a moment counted in
the Dutch local month) and what it adds (a total and a count). A fact is always counted where it happened: a goal
score at the child's school, an answer at the school recorded with it, a case at its support team's school, a
request at its case's school, a move at the school left.

How the rows get there (docs/monitoring.md):

* **Set-based**: every refresh is one `INSERT ... SELECT` per fact, the SELECT being the ORM's grouped query, so no
  row passes through Python. The same statements serve the full rebuild and the incremental refresh; only the
  WHERE differs.
* **Full rebuild** (`refresh_monthly_facts()`, `refresh_absence()`; `manage.py rebuild_rollups`): every row of
  every school year that is not frozen, in one transaction per rollup (a reader sees the old or the new figures).
  For repairs and after a demo load.
* **Incremental**: a change marks its (school, month) in the coalescing queue `DirtyMonth` (`mark_dirty`, from the
  hooks in `signals.py`, the absence importer and retention); the worker (`tasks.refresh_monitoring_task` hourly,
  `attendance.tasks.after_import` after an import) refreshes only the queued school-months, a batch per
  transaction (`drain`).
* **Frozen years**: once a school year is reported (`freeze`), its rollup rows never change: the rebuild skips
  them, retention does not mark them, and a change that reaches one of its school-months through the queue is
  compared with the published rows and recorded as a `Restatement` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import tasks
from rondom.accounts.models import User
from rondom.attendance.models import AbsenceMonth
from rondom.attendance.services import ABSENCE_SOURCE as ABSENCE
from rondom.attendance.services import insert_absence, refresh_absence_months
from rondom.cases.models import Case as CaseModel
from rondom.cases.models import GoalEvaluation, HelpRequest
from rondom.cases.workflow import State
from rondom.core.schoolyear import SchoolYear
from rondom.db import analyse
from rondom.feedback.models import FeedbackResponse
from rondom.registry.models import SchoolMove
from rondom.rollups import (
    Pair,
    Source,
    as_date,
    column,
    insert_select,
    rows_of,
    school_year_sql,
    year_of,
)

from .models import DirtyMonth, FrozenYear, MonthlyFact, Restatement, RollupRefresh

#: How many school-months one drain transaction refreshes (SQLite's write lock is held for one batch only).
BATCH = 200


def _answers(field: str) -> Source:
    return Source(
        rows=lambda: FeedbackResponse.objects.filter(**{f"{field}__isnull": False}),
        school="school_id",
        day="answered_on",
        total=lambda: Sum(field),
    )


def _moves(kind: str) -> Source:
    return Source(
        rows=lambda: SchoolMove.objects.filter(kind=kind),
        school="from_school_id",
        day="moved_on",
        total=lambda: Count("child_id", distinct=True),
    )


#: fact -> its source (MonthlyFact)
SOURCES: dict[str, Source] = {
    "goals": Source(
        rows=lambda: GoalEvaluation.objects.all(),
        school="plan__child__school_id",
        day="evaluated_on",
        total=lambda: Sum("score"),
    ),
    "helps": _answers("helps"),
    "wellbeing": _answers("wellbeing"),
    "solved": Source(
        rows=lambda: CaseModel.objects.filter(status__state=State.CLOSED),
        school="team__school_id",
        day="status__changed_at",
        moment=True,
        total=lambda: Count("pk", filter=Q(solved_within_school=True)),
    ),
    "brought_in": Source(
        rows=lambda: HelpRequest.objects.all(),
        school="case__team__school_id",
        day="requested_at",
        moment=True,
        total=lambda: Count("pk", filter=Q(kind=HelpRequest.Kind.BRING_IN)),
    ),
    "drop_out": _moves(SchoolMove.Kind.DROP_OUT),
    "down": _moves(SchoolMove.Kind.DOWN),
}

ABSENCE_PREFIX = "absence_"


# --- The statements -----------------------------------------------------------------------------------------------


def _insert_fact(name: str, where: Q | None, skip_years: Iterable[int]) -> int:
    return insert_select(
        MonthlyFact._meta.db_table,
        ["school_id", "month", "school_year", "fact", "total", "count"],
        SOURCES[name].grouped(where, skip_years),
        [
            column("at"),
            column("when"),
            school_year_sql(column("when")),
            "%s",
            f"COALESCE({column('total')}, 0)",
            column("n"),
        ],
        [name],
    )


def frozen_years() -> set[int]:
    """The school years (first calendar year) whose figures are published and so never recomputed."""
    return set(FrozenYear.objects.values_list("school_year", flat=True))


# --- Full rebuild (repairs, the demo, the benchmarks) -------------------------------------------------------------


def refresh_monthly_facts(facts: Iterable[str] | None = None, now: datetime | None = None) -> int:
    """Recompute the MonthlyFact rollup from the whole history (all facts, or the named ones), leaving the rows of
    frozen school years as published. One transaction; one INSERT ... SELECT per fact. Returns the number of rows
    written. Raises KeyError for an unknown fact name."""
    names = list(SOURCES if facts is None else facts)
    for name in names:
        SOURCES[name]
    written = 0
    with transaction.atomic():
        frozen = frozen_years()
        MonthlyFact.objects.filter(fact__in=names).exclude(school_year__in=frozen).delete()
        for name in names:
            written += _insert_fact(name, None, frozen)
        RollupRefresh.objects.update_or_create(name="monthly_facts", defaults={"at": now or timezone.now()})
    analyse(MonthlyFact._meta.db_table)
    return written


def refresh_absence(school_ids: Iterable[int] | None = None) -> int:
    """The full rebuild of AbsenceMonth (attendance.services.refresh_absence_months): frozen months stay."""
    return refresh_absence_months(school_ids)


def refreshed_at() -> Any:
    """When the figures were last brought up to date, fully or by the queue (None: never)."""
    return RollupRefresh.objects.filter(name="monthly_facts").values_list("at", flat=True).first()


# --- The queue ----------------------------------------------------------------------------------------------------


def mark_dirty(pairs: Iterable[Pair], reason: str = "", now: datetime | None = None) -> int:
    """Queue these (school, month) pairs for a refresh: one INSERT that ignores pairs already queued (atomic,
    idempotent; any day of a month stands for the month). Returns the number of distinct pairs offered.

    Inside a transaction the pairs are offered again once it commits: a drain that claimed a pair while this
    transaction was still open has not seen its change, and the second offer queues the pair anew."""
    wanted = sorted({(school, month.replace(day=1)) for school, month in pairs if school is not None})
    if not wanted:
        return 0
    moment = now or timezone.now()

    def insert() -> None:
        DirtyMonth.objects.bulk_create(
            [DirtyMonth(school_id=s, month=m, reason=reason[:40], marked_at=moment) for s, m in wanted],
            ignore_conflicts=True,
            batch_size=500,
        )

    insert()
    if connection.in_atomic_block:
        transaction.on_commit(insert)
    return len(wanted)


def queued() -> int:
    """How many school-months wait for a refresh."""
    return DirtyMonth.objects.count()


def drain(batch: int = BATCH, now: datetime | None = None) -> dict[str, int]:
    """Refresh every queued school-month and take it off the queue: `batch` pairs per transaction (claimed with
    SKIP LOCKED on PostgreSQL, so two workers never refresh the same pair at once). A pair queued many times is
    refreshed once; an empty queue does nothing. Returns {"pairs": refreshed, "batches": transactions,
    "restatements": recorded}."""
    done = batches = restated = 0
    moment = now or timezone.now()
    while True:
        with transaction.atomic():
            claimed = list(
                DirtyMonth.objects.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", "school_id", "month", "reason")[:batch]
            )
            if not claimed:
                break
            DirtyMonth.objects.filter(pk__in=[c[0] for c in claimed]).delete()
            restated += refresh_pairs({(s, m): r for _pk, s, m, r in claimed}, now=moment)
            RollupRefresh.objects.update_or_create(name="monthly_facts", defaults={"at": moment})
        done += len(claimed)
        batches += 1
    # No ANALYZE here (unlike the full rebuild): a drain changes a few rows, autovacuum keeps the statistics.
    return {"pairs": done, "batches": batches, "restatements": restated}


def refresh_pairs(pairs: Mapping[Pair, str], now: datetime | None = None) -> int:
    """Recompute both rollups for exactly these school-months (pair -> why it was queued), in the caller's
    transaction or one of its own: the rows of open school years are replaced, those of frozen years compared and
    any difference recorded as a Restatement. Returns the number of restatements recorded."""
    frozen = frozen_years()
    open_pairs = [p for p in pairs if year_of(p[1]) not in frozen]
    closed = {p: r for p, r in pairs.items() if year_of(p[1]) in frozen}
    with transaction.atomic():
        if open_pairs:
            rows = rows_of(open_pairs)
            MonthlyFact.objects.filter(rows).delete()
            AbsenceMonth.objects.filter(rows).delete()
            for name, source in SOURCES.items():
                _insert_fact(name, source.within(open_pairs), ())
            insert_absence(ABSENCE.within(open_pairs), ())
        return _restate(closed, now or timezone.now()) if closed else 0


# --- Frozen years and restatements --------------------------------------------------------------------------------


def _restate(pairs: Mapping[Pair, str], now: datetime) -> int:
    """Compare the published rows of these frozen school-months with what the raw rows give now; record each
    difference (that is not already the latest restatement) as a Restatement. Returns how many were recorded."""
    rows = rows_of(pairs)
    published: dict[tuple[int, date, str], tuple[int, int]] = {
        (s, m, f): (t, c)
        for s, m, f, t, c in MonthlyFact.objects.filter(rows).values_list(
            "school_id", "month", "fact", "total", "count"
        )
    }
    for s, m, k, t, c in AbsenceMonth.objects.filter(rows).values_list(
        "school_id", "month", "kind", "minutes", "records"
    ):
        published[(s, m, ABSENCE_PREFIX + k)] = (t, c)
    corrected: dict[tuple[int, date, str], tuple[int, int]] = {}
    for name, source in SOURCES.items():
        for s, m, t, c in source.grouped(source.within(pairs)).values_list("at", "when", "total", "n"):
            corrected[(s, as_date(m), name)] = (t or 0, c)
    for s, m, k, t, c in ABSENCE.grouped(ABSENCE.within(pairs)).values_list("at", "when", "k", "total", "n"):
        corrected[(s, as_date(m), ABSENCE_PREFIX + k)] = (t or 0, c)
    latest: dict[tuple[int, date, str], tuple[int, int]] = {}
    for s, m, f, t, c in (
        Restatement.objects.filter(rows)
        .order_by("pk")
        .values_list("school_id", "month", "fact", "corrected_total", "corrected_count")
    ):
        latest[(s, m, f)] = (t, c)
    new = []
    for key in sorted(set(published) | set(corrected) | set(latest)):
        school, month, fact = key
        shown = published.get(key, (0, 0))
        now_is = corrected.get(key, (0, 0))
        if now_is == latest.get(key, shown):
            continue
        new.append(
            Restatement(
                school_id=school,
                month=month,
                school_year=year_of(month),
                fact=fact,
                published_total=shown[0],
                published_count=shown[1],
                corrected_total=now_is[0],
                corrected_count=now_is[1],
                recorded_at=now,
                reason=pairs.get((school, month), "")[:40],
            )
        )
    Restatement.objects.bulk_create(new)
    return len(new)


def freeze(year: SchoolYear, user: User | None, today: date, now: datetime | None = None, note: str = "") -> FrozenYear:
    """Record that `year`'s figures were reported: from now on its rollup rows stay as they are. Idempotent (a
    year frozen twice keeps its first record). The queue is drained first, so the published figures include every
    change made before the freeze. Raises ValidationError when `year` has not ended by `today` (a running year's
    figures are not final)."""
    if year.last_day >= today:
        raise ValidationError(_("Only a school year that has ended can be frozen."))
    drain(now=now)
    frozen, _created = FrozenYear.objects.get_or_create(
        school_year=year.start_year,
        defaults={"frozen_at": now or timezone.now(), "frozen_by": user, "note": note[:200]},
    )
    return frozen


def may_publish(user: User) -> bool:
    """The task right behind freezing a school year's figures: `publish_figures` (access.tasks)."""
    return tasks.may(user, "publish_figures")


def current_restatements(schools: Iterable[int], years: Iterable[int]) -> list[Restatement]:
    """The latest restatement per (school, month, fact) of these schools and school years, where the corrected
    figure differs from the published one (a correction undone shows nothing). Ordered by year, month, school."""
    latest: dict[tuple[int, date, str], Restatement] = {}
    for r in Restatement.objects.filter(school_id__in=list(schools), school_year__in=list(years)).select_related(
        "school"
    ):
        latest[(r.school_id, r.month, r.fact)] = r  # ordered by pk within a key: the last wins
    shown = [
        r for r in latest.values() if (r.corrected_total, r.corrected_count) != (r.published_total, r.published_count)
    ]
    return sorted(shown, key=lambda r: (r.school_year, r.month, r.school.name, r.fact))


def mark_before_retention(child_ids: Iterable[int]) -> int:
    """Retention is about to delete these children's casework (cases, requests, plans with their goal scores and
    questionnaire answers):
    queue the school-months their facts count in, except those of frozen school years — the published figures of
    a reported year stay, and deleting raw rows is not a correction. Returns the number of pairs queued."""
    ids = sorted(set(child_ids))
    frozen = frozen_years()
    found: set[Pair] = set()
    found |= SOURCES["goals"].pairs(plan__child_id__in=ids)
    found |= SOURCES["solved"].pairs(child_id__in=ids)
    found |= SOURCES["brought_in"].pairs(case__child_id__in=ids)
    found |= SOURCES["helps"].pairs(plan__child_id__in=ids) | SOURCES["wellbeing"].pairs(plan__child_id__in=ids)
    return mark_dirty({p for p in found if year_of(p[1]) not in frozen}, "retention")


def mark_children_moved(child_ids: Iterable[int], reason: str = "school change") -> int:
    """These children's school (or their open cases' support team) changes, or has just changed, in a bulk write
    that no save hook sees (the roster import, a warm transfer): queue the school-months their goal scores, cases
    and requests count in at the school they are at now. Call it before the write (the old school) and after it (the
    new one). Frozen school years are left out: a move is not a correction of published figures. Returns the number
    of pairs queued."""
    ids = sorted(set(child_ids))
    if not ids:
        return 0
    frozen = frozen_years()
    found: set[Pair] = set()
    found |= SOURCES["goals"].pairs(plan__child_id__in=ids)
    found |= SOURCES["solved"].pairs(child_id__in=ids)
    found |= SOURCES["brought_in"].pairs(case__child_id__in=ids)
    return mark_dirty({p for p in found if year_of(p[1]) not in frozen}, reason)
