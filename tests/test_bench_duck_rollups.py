"""The benchmark's like-with-like rollups (bench/duck_rollups.py, issue 17): DuckDB builds, from the same raw rows,
exactly the rows our full rebuild writes into `AbsenceMonth` and `MonthlyFact` — at the edges where the rules are
easy to get wrong (a moment just after local midnight at a month's start, in winter and in summer time; facts
without a school; a child who dropped out twice in one month; answers without a wellbeing score) — and the
bench's row-for-row check reports a difference when there is one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rondom.attendance.models import AbsenceRecord
from rondom.attendance.services import refresh_absence_months
from rondom.cases.models import Case, CaseStatus, GoalEvaluation, HelpRequest, Plan, SupportTeam
from rondom.core.schoolyear import SchoolYear
from rondom.feedback.models import FeedbackResponse
from rondom.monitoring.rollup import refresh_monthly_facts
from rondom.registry.models import SchoolMove
from tests.factories import ChildFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def bench() -> Iterator[tuple[ModuleType, ModuleType]]:
    """bench_indicators and duck_rollups, imported as the bench runs them (bench/ on the path)."""
    sys.path.insert(0, str(BENCH))
    try:
        import bench_indicators
        import duck_rollups

        yield bench_indicators, duck_rollups
    finally:
        sys.path.remove(str(BENCH))


def _closed(case: Case, at: datetime) -> None:
    status = CaseStatus.objects.create(case=case, state="closed")
    CaseStatus.objects.filter(pk=status.pk).update(changed_at=at)
    case.status = status
    case.save()


def _history() -> dict[str, Any]:
    school, secondary = SchoolFactory(), SchoolFactory(school_type="vo")
    child, pupil, unschooled = ChildFactory(school=school), ChildFactory(school=secondary), ChildFactory(school=None)
    for day, kind, minutes in [
        (date(2026, 3, 31), "unauthorised", 60),
        (date(2026, 4, 1), "unauthorised", 50),
        (date(2026, 4, 2), "sick", 300),
        (date(2026, 4, 3), "unauthorised", 45),
    ]:
        AbsenceRecord.objects.create(child=child, school=school, date=day, kind=kind, minutes=minutes)
    plan = Plan.objects.create(child=child, version=1, content={})
    elsewhere = Plan.objects.create(child=unschooled, version=1, content={})
    for on, score, p in [(date(2026, 7, 31), 3, plan), (date(2026, 8, 1), 5, plan), (date(2026, 8, 1), 4, elsewhere)]:
        GoalEvaluation.objects.create(plan=p, goal_id="g", rater="parent", score=score, evaluated_on=on)
    for answered_by, (helps, wellbeing, at) in enumerate([(4, 7, school), (2, None, school), (5, 9, None)]):
        FeedbackResponse.objects.create(
            plan=plan,
            school=at,
            respondent="parent",
            answered_by=None,
            round=date(2026, 5, answered_by + 1),
            answered_on=date(2026, 5, 20),
            helps=helps,
            wellbeing=wellbeing,
        )
    team = SupportTeam.objects.create(school=school)
    provider = OrganisationFactory(kind="provider")
    # 00:30 local on 1 November (winter time: 23:30 UTC on 31 October) and on 1 April (summer time: 22:30 UTC on 31
    # March): both count in the month that starts, as our rollup counts them.
    winter, summer = datetime(2026, 11, 1, 0, 30, tzinfo=AMSTERDAM), datetime(2026, 4, 1, 0, 30, tzinfo=AMSTERDAM)
    for solved, at in [(True, winter), (False, winter), (None, summer)]:
        case = Case.objects.create(
            child=child, team=team, question="?", decision_due=date(2026, 7, 1), solved_within_school=solved
        )
        _closed(case, at)
    still_open = Case.objects.create(child=child, team=team, question="?", decision_due=date(2026, 7, 1))
    CaseStatus.objects.create(case=still_open, state="registered")
    for kind, at in [("bring_in", winter), ("referral", winter), ("bring_in", summer)]:
        request = HelpRequest.objects.create(case=still_open, kind=kind, provider=provider, question="?")
        HelpRequest.objects.filter(pk=request.pk).update(requested_at=at)
    for kind, on, origin in [
        ("drop_out", date(2026, 3, 2), secondary),
        ("drop_out", date(2026, 3, 20), secondary),  # the same child again: one child, two moves
        ("down", date(2026, 3, 2), school),
        ("down", date(2026, 3, 2), None),  # no school left: not counted
        ("up", date(2026, 3, 2), school),  # not a kind the monitoring counts
    ]:
        SchoolMove.objects.create(child=pupil, from_school=origin, kind=kind, moved_on=on)
    return {"school": school, "secondary": secondary}


def test_duckdb_builds_the_same_rollup_rows_as_our_rebuild(bench: tuple[ModuleType, ModuleType]) -> None:
    bench_indicators, rollups = bench
    at = _history()
    school, secondary = at["school"].pk, at["secondary"].pk
    refresh_absence_months()
    refresh_monthly_facts()
    duck = bench_indicators.Duck({}, [SchoolYear(2026)])
    duck.load()
    rollups.create_targets(duck.db)
    rollups.rebuild_absence_months(duck.db)
    rollups.rebuild_monthly_facts(duck.db)

    assert rollups.check(duck.db, *bench_indicators._our_rollup_rows()) == []
    facts = set(
        duck.db.execute("SELECT fact, school_id, month, school_year, total, count FROM duck_monthly_fact").fetchall()
    )
    assert facts == {
        ("goals", school, date(2026, 7, 1), 2025, 3, 1),
        ("goals", school, date(2026, 8, 1), 2026, 5, 1),
        ("helps", school, date(2026, 5, 1), 2025, 6, 2),
        ("wellbeing", school, date(2026, 5, 1), 2025, 7, 1),
        ("solved", school, date(2026, 11, 1), 2026, 1, 2),
        ("solved", school, date(2026, 4, 1), 2025, 0, 1),
        ("brought_in", school, date(2026, 11, 1), 2026, 1, 2),
        ("brought_in", school, date(2026, 4, 1), 2025, 1, 1),
        ("drop_out", secondary, date(2026, 3, 1), 2025, 1, 2),
        ("down", school, date(2026, 3, 1), 2025, 1, 1),
    }
    absence = set(duck.db.execute("SELECT school_id, month, kind, minutes, records FROM duck_absence_month").fetchall())
    assert absence == {
        (school, date(2026, 3, 1), "unauthorised", 60, 1),
        (school, date(2026, 4, 1), "unauthorised", 95, 2),
        (school, date(2026, 4, 1), "sick", 300, 1),
    }


def test_the_row_for_row_check_reports_every_difference(bench: tuple[ModuleType, ModuleType]) -> None:
    bench_indicators, rollups = bench
    _history()
    refresh_absence_months()
    refresh_monthly_facts()
    duck = bench_indicators.Duck({}, [SchoolYear(2026)])
    duck.load()
    rollups.create_targets(duck.db)
    rollups.rebuild_absence_months(duck.db)
    rollups.rebuild_monthly_facts(duck.db)
    duck.db.execute(
        "UPDATE duck_monthly_fact SET total = total + 1 WHERE fact = 'solved' AND month = DATE '2026-11-01'"
    )
    duck.db.execute("DELETE FROM duck_absence_month WHERE kind = 'sick'")

    wrong = rollups.check(duck.db, *bench_indicators._our_rollup_rows())
    assert len(wrong) == 2
    assert any(
        line.startswith("MonthlyFact ('solved'") and "ours (2026, 1, 2), DuckDB (2026, 2, 2)" in line for line in wrong
    )
    assert any(line.startswith("AbsenceMonth") and "'sick'" in line and "DuckDB None" in line for line in wrong)
