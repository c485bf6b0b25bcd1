"""The monitoring's monthly rollup (`MonthlyFact`): per school and month, the sums and counts the indicators need
from goal evaluations, questionnaire answers, closed cases, help requests and school moves. Recomputed as a whole
in one transaction — a reader sees the old or the new figures, never half — by the worker every hour and after
the demo load. Absence has its own rollup (`attendance.AbsenceMonth`), refreshed after every import.

A fact is always counted where it happened: a goal score at the child's school, an answer at the school recorded
with it, a case at its support team's school, a request at its case's school, a move at the school left. Moments
count in the Dutch local month."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from rondom.cases.models import Case, GoalEvaluation, HelpRequest
from rondom.cases.workflow import State
from rondom.core.schoolyear import SchoolYear
from rondom.db import analyse
from rondom.feedback.models import FeedbackResponse
from rondom.registry.models import SchoolMove

from .models import MonthlyFact, RollupRefresh


def _goals() -> QuerySet[Any]:
    return (
        GoalEvaluation.objects.values(at=F("plan__child__school_id"), when=TruncMonth("evaluated_on"))
        .annotate(total=Sum("score"), n=Count("pk"))
        .filter(at__isnull=False)
    )


def _answers(field: str) -> Callable[[], QuerySet[Any]]:
    def rows() -> QuerySet[Any]:
        return (
            FeedbackResponse.objects.filter(**{f"{field}__isnull": False}, school__isnull=False)
            .values(at=F("school_id"), when=TruncMonth("answered_on"))
            .annotate(total=Sum(field), n=Count("pk"))
        )

    return rows


def _solved() -> QuerySet[Any]:
    return (
        Case.objects.filter(status__state=State.CLOSED)
        .values(at=F("team__school_id"), when=TruncMonth("status__changed_at"))
        .annotate(total=Count("pk", filter=Q(solved_within_school=True)), n=Count("pk"))
    )


def _brought_in() -> QuerySet[Any]:
    return HelpRequest.objects.values(at=F("case__team__school_id"), when=TruncMonth("requested_at")).annotate(
        total=Count("pk", filter=Q(kind=HelpRequest.Kind.BRING_IN)), n=Count("pk")
    )


def _moves(kind: str) -> Callable[[], QuerySet[Any]]:
    def rows() -> QuerySet[Any]:
        return (
            SchoolMove.objects.filter(kind=kind, from_school__isnull=False)
            .values(at=F("from_school_id"), when=TruncMonth("moved_on"))
            .annotate(total=Count("child_id", distinct=True), n=Count("pk"))
        )

    return rows


#: fact -> the grouped query that yields rows of (at = school, when = month, total, n)
SOURCES: dict[str, Callable[[], QuerySet[Any]]] = {
    "goals": _goals,
    "helps": _answers("helps"),
    "wellbeing": _answers("wellbeing"),
    "solved": _solved,
    "brought_in": _brought_in,
    "drop_out": _moves(SchoolMove.Kind.DROP_OUT),
    "down": _moves(SchoolMove.Kind.DOWN),
}


def _month(value: Any) -> date:
    """TruncMonth gives a date for a date and an aware local datetime for a moment: the month's first day."""
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def refresh_monthly_facts(facts: Iterable[str] | None = None) -> int:
    """Recompute the rollup (all facts, or the named ones). Returns the number of rows written."""
    names = list(SOURCES if facts is None else facts)
    now = timezone.now()
    rows = []
    for name in names:
        for r in SOURCES[name]().order_by():
            month = _month(r["when"])
            rows.append(
                MonthlyFact(
                    school_id=r["at"],
                    month=month,
                    school_year=SchoolYear.of(month).start_year,
                    fact=name,
                    total=r["total"] or 0,
                    count=r["n"],
                )
            )
    with transaction.atomic():
        MonthlyFact.objects.filter(fact__in=names).delete()
        MonthlyFact.objects.bulk_create(rows, batch_size=5000)
        RollupRefresh.objects.update_or_create(name="monthly_facts", defaults={"at": now})
    analyse(MonthlyFact._meta.db_table)
    return len(rows)


def refreshed_at() -> Any:
    """When the figures were last recomputed (None: never)."""
    return RollupRefresh.objects.filter(name="monthly_facts").values_list("at", flat=True).first()
