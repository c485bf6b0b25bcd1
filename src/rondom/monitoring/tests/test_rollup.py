"""The monitoring's monthly rollup: facts per school and local month, in the right school year, recomputed as a
whole; the dashboard says how fresh it is."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from rondom.cases.models import Case, CaseStatus, GoalEvaluation, Plan, SupportTeam
from rondom.core.schoolyear import SchoolYear
from rondom.monitoring.models import MonthlyFact
from rondom.monitoring.rollup import refresh_monthly_facts, refreshed_at
from rondom.registry.models import SchoolMove
from tests.factories import ChildFactory, SchoolFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_school_years_run_from_august() -> None:
    assert SchoolYear.of(date(2026, 7, 31)) == SchoolYear(2025) and SchoolYear.of(date(2026, 8, 1)) == SchoolYear(2026)


def test_facts_count_where_and_in_the_local_month_they_happened() -> None:
    school, other = SchoolFactory(), SchoolFactory()
    child = ChildFactory(school=school)
    plan = Plan.objects.create(child=child, version=1, content={})
    for score, day in [(3, date(2026, 7, 31)), (5, date(2026, 7, 1)), (4, date(2026, 8, 3))]:
        GoalEvaluation.objects.create(plan=plan, goal_id="g", rater="parent", score=score, evaluated_on=day)
    team = SupportTeam.objects.create(school=school)
    # Closed at 00:30 on 1 August in Zwolle: still 31 July in UTC, but August (the next school year) here.
    case = Case.objects.create(
        child=child, team=team, question="?", decision_due=date(2026, 7, 1), solved_within_school=True
    )
    status = CaseStatus.objects.create(case=case, state="closed")
    CaseStatus.objects.filter(pk=status.pk).update(changed_at=datetime(2026, 8, 1, 0, 30, tzinfo=AMSTERDAM))
    case.status = status
    case.save()
    SchoolMove.objects.create(child=child, from_school=school, to_school=other, kind="down", moved_on=date(2026, 3, 2))

    assert refreshed_at() is None
    assert refresh_monthly_facts() == 4
    rows = set(MonthlyFact.objects.values_list("school_id", "fact", "month", "school_year", "total", "count"))
    assert rows == {
        (school.pk, "goals", date(2026, 7, 1), 2025, 8, 2),
        (school.pk, "goals", date(2026, 8, 1), 2026, 4, 1),
        (school.pk, "solved", date(2026, 8, 1), 2026, 1, 1),
        (school.pk, "down", date(2026, 3, 1), 2025, 1, 1),
    }
    first = refreshed_at()
    GoalEvaluation.objects.filter(score=5).delete()
    refresh_monthly_facts()  # recomputed as a whole: the deleted score is gone, nothing is added twice
    assert MonthlyFact.objects.get(fact="goals", month=date(2026, 7, 1)).count == 1
    assert refreshed_at() >= first
