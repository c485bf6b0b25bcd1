"""Each indicator on a small hand-built data set with a known answer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from rondom.attendance.models import AbsenceRecord
from rondom.attendance.services import refresh_absence_months
from rondom.cases.models import Case, CaseStatus, GoalEvaluation, HelpRequest, Plan, SupportTeam
from rondom.feedback.models import FeedbackResponse, ProviderRating
from rondom.funding.models import Pilot
from rondom.monitoring.indicators import INDICATORS, Figure, SchoolYear, Scope, compute_all, compute_grid
from rondom.monitoring.rollup import refresh_monthly_facts
from rondom.registry.models import SchoolMove
from rondom.thuiszitters.models import Thuiszitter
from tests.factories import ChildFactory, OrganisationFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db
YEAR = SchoolYear.parse("2025-2026")


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def test_school_years_run_from_august_to_july() -> None:
    assert (YEAR.first_day, YEAR.last_day, str(YEAR)) == (date(2025, 8, 1), date(2026, 7, 31), "2025-2026")
    with pytest.raises(ValueError):
        SchoolYear.parse("2025-2027")


def test_every_indicator_has_a_dutch_description_and_a_known_answer() -> None:
    primary, secondary, elsewhere = SchoolFactory(school_type="po"), SchoolFactory(school_type="vo"), SchoolFactory()
    pupils = [ChildFactory(school=primary) for _ in range(4)] + [ChildFactory(school=secondary) for _ in range(2)]
    ChildFactory(school=elsewhere)
    # Thuiszitters: one during the year, one ended before it, one absolute whose last school was in scope.
    Thuiszitter.objects.create(
        child=pupils[0], kind="relative", reason="other", started_on=date(2025, 9, 1), school=primary
    )
    Thuiszitter.objects.create(
        child=pupils[1],
        kind="relative",
        reason="other",
        started_on=date(2024, 9, 1),
        ended_on=date(2025, 6, 1),
        school=primary,
    )
    Thuiszitter.objects.create(child=pupils[4], kind="absolute", reason="not_enrolled", started_on=date(2026, 1, 5))
    # Absence: 10 unauthorised hours over 4 primary pupils = 2.5; sick hours do not count; 3 hours over 2 = 1.5.
    for child, hours, kind in [
        (pupils[0], 6, "unauthorised"),
        (pupils[1], 4, "unauthorised"),
        (pupils[2], 8, "sick"),
        (pupils[4], 3, "unauthorised"),
    ]:
        AbsenceRecord.objects.create(
            child=child, school=child.school, date=date(2025, 10, 6), kind=kind, minutes=hours * 60
        )
    AbsenceRecord.objects.create(
        child=pupils[3], school=primary, date=date(2025, 7, 1), kind="unauthorised", minutes=600
    )  # the year before
    # Cases: 3 closed in the year, 2 solved inside school -> 66.7 %.
    team = SupportTeam.objects.create(school=primary)
    for i, inside in enumerate([True, True, False]):
        case = Case.objects.create(
            child=pupils[i], team=team, question="?", decision_due=date(2025, 9, 1), solved_within_school=inside
        )
        status = CaseStatus.objects.create(case=case, state="closed")
        CaseStatus.objects.filter(pk=status.pk).update(changed_at=_at(date(2025, 11, 1)))
        case.status = status
        case.save()
    # Help requests: 3 brought in, 1 referred -> 75 %; waiting 2, 4 and 10 days -> median 4.
    provider = OrganisationFactory(kind="provider")
    for kind, wait in [("bring_in", 2), ("bring_in", 4), ("bring_in", 10), ("referral", None)]:
        request = HelpRequest.objects.create(case=case, kind=kind, provider=provider, question="?")
        asked = _at(date(2025, 10, 1))
        HelpRequest.objects.filter(pk=request.pk).update(
            requested_at=asked, first_contact_at=asked + timedelta(days=wait) if wait else None
        )
    # Goal attainment: scores 3, 4, 5 in the year (mean 4.00); one from another year does not count.
    plan = Plan.objects.create(child=pupils[0], version=1, content={"goals": [{"id": "g"}]})
    for score, day in [(3, date(2025, 12, 1)), (4, date(2026, 3, 1)), (5, date(2026, 6, 1)), (1, date(2024, 12, 1))]:
        GoalEvaluation.objects.create(plan=plan, goal_id="g", rater="parent", score=score, evaluated_on=day)

    # Moves: 1 of the 2 secondary pupils dropped out (50 %); 1 of all 6 pupils went down (16.7 %); moves in
    # another year or from a school outside the scope do not count.
    SchoolMove.objects.create(child=pupils[4], from_school=secondary, kind="drop_out", moved_on=date(2026, 2, 1))
    SchoolMove.objects.create(child=pupils[2], from_school=primary, kind="down", moved_on=date(2026, 5, 1))
    SchoolMove.objects.create(child=pupils[3], from_school=primary, kind="down", moved_on=date(2025, 5, 1))
    SchoolMove.objects.create(child=pupils[3], from_school=elsewhere, kind="drop_out", moved_on=date(2026, 2, 1))
    # Feedback: helps 4 and 5 (4.50); wellbeing 6 and (not asked) -> 6.0; one from another school.
    teacher_user, parent_user = UserFactory(), UserFactory()
    FeedbackResponse.objects.create(
        plan=plan,
        school=primary,
        respondent="teacher",
        answered_by=teacher_user,
        round=date(2026, 1, 10),
        answered_on=date(2026, 1, 10),
        helps=4,
        wellbeing=6,
    )
    FeedbackResponse.objects.create(
        plan=plan,
        school=primary,
        respondent="parent",
        answered_by=parent_user,
        round=date(2026, 1, 10),
        answered_on=date(2026, 1, 12),
        helps=5,
    )
    FeedbackResponse.objects.create(
        plan=plan,
        school=elsewhere,
        respondent="parent",
        answered_by=parent_user,
        round=date(2026, 3, 1),
        answered_on=date(2026, 3, 1),
        helps=1,
        wellbeing=1,
    )
    # Providers: rated 2 and 5 by the two schools this year (3.50); last year's rating does not count.
    ProviderRating.objects.create(school=primary, provider=provider, school_year="2025-2026", score=2)
    ProviderRating.objects.create(school=secondary, provider=provider, school_year="2025-2026", score=5)
    ProviderRating.objects.create(school=secondary, provider=provider, school_year="2024-2025", score=1)
    # Cost per pupil: the pilot (started 2024) spent 1,200.00 in its second year over 6 pupils = 200.00.
    pilot = Pilot.objects.create(name="Proef", kind="area", start_year=2024, actual={"2": "1200.00"})
    refresh_absence_months()
    refresh_monthly_facts()

    values = compute_all([primary.pk, secondary.pk], YEAR, pilot)
    assert values == {
        "thuiszitters": D(2),
        "absence_primary": D("2.50"),
        "absence_secondary": D("1.50"),
        "drop_out": D("50.0"),
        "afstroom": D("16.7"),
        "wellbeing": D("6.0"),
        "feedback_helps": D("4.50"),
        "solved_in_school": D("66.7"),
        "waiting_days": D("4.0"),
        "brought_in": D("75.0"),
        "goal_attainment": D("4.00"),
        "provider_value": D("3.50"),
        "cost_per_pupil": D("200.00"),
    }
    assert all(i.description and i.unit for i in INDICATORS)
    empty = compute_all([elsewhere.pk], YEAR)
    assert empty["solved_in_school"] is None  # no cases: no figure, not 0 %
    assert empty["cost_per_pupil"] is None  # not a pilot: no population budget
    assert empty["wellbeing"] == D("1.0") and empty["drop_out"] is None  # `elsewhere` is not a secondary school


def test_figures_carry_what_they_rest_on_and_come_per_scope_and_year() -> None:
    school, other = SchoolFactory(school_type="po"), SchoolFactory(school_type="po")
    children = [ChildFactory(school=school) for _ in range(3)] + [ChildFactory(school=other)]
    for child, day in [(children[0], date(2024, 10, 1)), (children[1], date(2025, 10, 1))]:
        AbsenceRecord.objects.create(child=child, school=school, date=day, kind="unauthorised", minutes=180)
    AbsenceRecord.objects.create(
        child=children[3], school=other, date=date(2025, 10, 1), kind="unauthorised", minutes=60
    )
    refresh_absence_months()
    years = [SchoolYear(2024), SchoolYear(2025)]
    grid = compute_grid({"one": Scope(frozenset({school.pk})), "both": Scope(frozenset({school.pk, other.pk}))}, years)
    assert grid[("one", years[0])]["absence_primary"] == Figure(D("1.00"), 3)
    assert grid[("one", years[1])]["absence_primary"] == Figure(D("1.00"), 3)
    assert grid[("both", years[1])]["absence_primary"] == Figure(D("1.00"), 4)  # (3 + 1) hours over 4 pupils
    assert grid[("both", years[1])]["absence_secondary"] == Figure(None, 0)  # no secondary school in scope
