"""The escalation ladder: a case moves up by itself when a level lets its deadline pass; decisions, interim
arrangements and visits are recorded with who and when; only deciders decide; every access is logged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rondom.access import policy
from rondom.audit.models import AccessLogEntry
from rondom.core.categories import Action
from rondom.notifications.models import Notification
from rondom.schoolcalendar.services import add_working_days
from rondom.thuiszitters import services
from rondom.thuiszitters.models import EscalationStep, Thuiszitter
from tests.factories import ChildFactory, MembershipFactory, MunicipalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
START = date(2026, 9, 7)  # a Monday


@pytest.fixture
def people():  # type: ignore[no-untyped-def]
    zwolle = MunicipalityFactory()
    child = ChildFactory(home_municipality=zwolle)
    leerplicht = OrganisationFactory(kind="leerplicht", name="Leerplicht")
    leerplicht.serves_municipalities.add(zwolle)
    wijkteam = OrganisationFactory(kind="wijkteam", name="Wijkteam Noord")
    wijkteam.serves_municipalities.add(zwolle)
    gemeente = OrganisationFactory(kind="municipality", name="Gemeente Zwolle", municipality=zwolle)
    kampen = OrganisationFactory(
        kind="municipality", name="Gemeente Kampen", municipality=MunicipalityFactory(name="Kampen")
    )
    return {
        "child": child,
        "ib": MembershipFactory(organisation=child.school, role="intern_begeleider").user,
        "teacher": MembershipFactory(organisation=child.school, role="teacher").user,
        "lpa": MembershipFactory(organisation=leerplicht, role="leerplicht_officer").user,
        "wijkteam": MembershipFactory(organisation=wijkteam, role="wijkteam_worker").user,
        "gemeente": MembershipFactory(organisation=gemeente, role="policy_officer").user,
        "kampen": MembershipFactory(organisation=kampen, role="policy_officer").user,
    }


def _register(people, on: date = START) -> Thuiszitter:  # type: ignore[no-untyped-def]
    return services.register(
        people["ib"],
        people["child"],
        kind="relative",
        reason="waiting_care",
        started_on=on - timedelta(days=30),
        today=on,
    )


def test_registering_puts_the_case_on_the_first_rung_with_a_deadline_in_working_days(people) -> None:  # type: ignore[no-untyped-def]
    period = _register(people)
    assert period.level.rank == 1 and period.deadline == add_working_days(START, 10)
    assert period.days_at_home(START) == 30
    step = EscalationStep.objects.get(thuiszitter=period)
    assert (step.by, step.automatic) == (people["ib"], False)
    assert Notification.objects.filter(recipient=people["ib"]).exists()  # the school's deciders are told
    assert AccessLogEntry.objects.filter(
        child_id=people["child"].pk, object_type="thuiszitter", action="create"
    ).exists()


def test_an_escalation_deadline_skips_christmas_and_new_years_day(people) -> None:  # type: ignore[no-untyped-def]
    """Ten working days from Monday 21 December 2026: 25 and 26 December and 1 January do not count."""
    period = _register(people, on=date(2026, 12, 21))
    assert period.deadline == date(2027, 1, 6)


def test_the_case_moves_up_by_itself_the_day_after_its_deadline_and_tells_the_next_deciders(people) -> None:  # type: ignore[no-untyped-def]
    period = _register(people)
    deadline = period.deadline
    assert services.escalate_due(deadline) == []  # the deadline day itself still belongs to the school
    [step] = services.escalate_due(deadline + timedelta(days=1))
    period.refresh_from_db()
    assert period.level.rank == 2 and step.automatic and step.by is None
    assert "passed without a decision" in step.reason or "verstreken" in step.reason
    assert step.deadline == add_working_days(deadline + timedelta(days=1), 10)
    assert Notification.objects.filter(recipient=people["wijkteam"]).exists()
    row = AccessLogEntry.objects.filter(child_id=people["child"].pk, object_type="escalation").get()
    assert (row.user_id, row.user_name, row.ground_ref) == (None, "systeem", "rule:escalation_ladder")
    # The wijkteam now sees the thuiszitter record (escalation ground), not the rest of the file.
    decision = policy.decide(people["wijkteam"], people["child"], Action.READ, "absence")
    assert decision.allowed and decision.ground == "escalation"
    assert not policy.decide(people["wijkteam"], people["child"], Action.READ, "support").allowed


def test_a_worker_that_was_away_catches_up_one_level_per_passed_deadline_and_stops_at_the_top(people) -> None:  # type: ignore[no-untyped-def]
    period = _register(people)
    steps = services.escalate_due(START + timedelta(days=365))
    period.refresh_from_db()
    assert [s.level.rank for s in steps] == [2, 3, 4] and period.level.rank == 4
    assert services.escalate_due(START + timedelta(days=366)) == []
    assert Notification.objects.filter(recipient=people["gemeente"], key__startswith="escalation-overdue").exists()


def test_the_gemeente_decides_at_its_level_and_the_clock_stops(people) -> None:  # type: ignore[no-untyped-def]
    period = _register(people)
    gemeente = people["gemeente"]
    assert not policy.decide(gemeente, people["child"], Action.READ, "absence").in_scope
    assert people["child"] not in policy.children_in_scope(gemeente)
    with pytest.raises(PermissionDenied):
        services.decide(gemeente, period, outcome="arrangement", decision="Onderwijs-zorgarrangement.")
    services.escalate_due(period.deadline + timedelta(days=1))
    period.refresh_from_db()
    services.escalate_due(period.deadline + timedelta(days=1))
    period.refresh_from_db()
    assert period.level.rank == 3
    assert people["child"] in policy.children_in_scope(gemeente)
    for outsider in (people["kampen"], people["teacher"]):
        with pytest.raises(PermissionDenied):
            services.decide(outsider, period, outcome="arrangement", decision="x")
    with pytest.raises(ValidationError) as error:
        services.decide(gemeente, period, outcome="arrangement", decision=" ")
    assert "decision" in error.value.message_dict
    found = services.decide(
        gemeente,
        period,
        outcome="arrangement",
        decision="Gemeente betaalt het arrangement; school biedt plek per 1 december.",
    )
    period.refresh_from_db()
    assert period.decided and found.decided_by == gemeente and found.organisation_name == "Gemeente Zwolle"
    assert found.level.rank == 3
    assert services.escalate_due(period.deadline + timedelta(days=30)) == []
    assert (
        AccessLogEntry.objects.filter(
            user_id=gemeente.pk, object_type="escalation_decision", action="update", ground="escalation"
        ).count()
        == 1
    )


def test_an_interim_arrangement_is_recorded_with_who_and_when_and_bad_input_changes_nothing(people) -> None:  # type: ignore[no-untyped-def]
    period = _register(people)
    with pytest.raises(ValidationError) as error:
        services.record_interim(
            people["lpa"],
            period,
            description="",
            provided_by="",
            starts_on=START - timedelta(days=90),
            payment_pending_between="",
            today=START,
        )
    assert set(error.value.message_dict) == {"description", "provided_by", "starts_on", "payment_pending_between"}
    assert not period.interim_arrangements.exists()
    with pytest.raises(PermissionDenied):
        services.record_interim(
            people["teacher"],
            period,
            description="x",
            provided_by="y",
            starts_on=START,
            payment_pending_between="z",
            today=START,
        )
    interim = services.record_interim(
        people["lpa"],
        period,
        description="Twee ochtenden per week les thuis met begeleiding.",
        provided_by="Trias Jeugdhulp",
        starts_on=START,
        payment_pending_between="gemeente en samenwerkingsverband",
        today=START,
    )
    assert interim.recorded_by == people["lpa"] and interim.recorded_at is not None
    assert AccessLogEntry.objects.filter(user_id=people["lpa"].pk, object_type="interim_arrangement").count() == 1


def test_the_leerplicht_visit_and_the_end_of_a_period(people) -> None:  # type: ignore[no-untyped-def]
    period = _register(people)
    assert not services.visited_this_year(period, START)
    with pytest.raises(PermissionDenied):
        services.record_visit(people["ib"], period, visited_on=START, note="", today=START)
    with pytest.raises(ValidationError):
        services.record_visit(people["lpa"], period, visited_on=START + timedelta(days=1), note="", today=START)
    services.record_visit(people["lpa"], period, visited_on=START, note="Thuisbezoek.", today=START)
    assert services.visited_this_year(period, START)
    services.end(people["ib"], period, ended_on=START, note="Start op nieuwe school.", today=START)
    assert services.escalate_due(START + timedelta(days=365)) == []
    with pytest.raises(ValidationError):
        services.end(people["ib"], period, ended_on=START, note="", today=START)
    # The wijkteam's escalation ground ends with the period.
    assert people["child"] not in policy.children_in_scope(people["wijkteam"])


def test_a_child_cannot_be_registered_twice_or_from_the_future(people) -> None:  # type: ignore[no-untyped-def]
    _register(people)
    with pytest.raises(ValidationError):
        _register(people)
    with pytest.raises(ValidationError) as error:
        services.register(
            people["ib"],
            ChildFactory(school=people["child"].school),
            kind="relative",
            reason="other",
            started_on=START + timedelta(days=1),
            today=START,
        )
    assert "started_on" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.register(people["teacher"], people["child"], kind="relative", reason="other", started_on=START)
    assert Thuiszitter.objects.count() == 1


def test_a_region_can_have_its_own_ladder(people) -> None:  # type: ignore[no-untyped-def]
    from rondom.thuiszitters.models import EscalationLevel

    EscalationLevel.objects.create(
        municipality=people["child"].home_municipality,
        rank=1,
        name="Regiotafel",
        deciders=[{"role": "leerplicht_officer", "kind": "leerplicht"}],
        deadline_working_days=3,
    )
    period = _register(people)
    assert period.level.name == "Regiotafel" and period.deadline == add_working_days(START, 3)
    assert services.escalate_due(period.deadline + timedelta(days=1)) == []  # the regional ladder has one rung


def test_the_workers_periodic_task_escalates_what_is_overdue_today(people) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from rondom.thuiszitters.tasks import daily_absence_and_escalation_task

    today = timezone.localdate()
    period = _register(people, on=today - timedelta(days=60))  # its school deadline passed weeks ago
    result = daily_absence_and_escalation_task.call()
    period.refresh_from_db()
    assert result["escalations"] >= 1 and period.level.rank > 1
    assert period.deadline is not None
