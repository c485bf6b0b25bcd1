"""The case workflow: every allowed change works and is kept in the history; every other change is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rondom.cases import services, workflow
from rondom.cases.models import Case, CaseStatus, Signal
from rondom.cases.workflow import State
from tests.factories import ChildFactory, MembershipFactory, teacher_of

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(a, b) for a in State.values for b in State.values if a != b]


def new_case(state: str):  # type: ignore[no-untyped-def]
    child = ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    signal = Signal.objects.create(
        child=child,
        source="teacher",
        concerns=["learning"],
        description="x",
        conversation_on=timezone.localdate(),
        conversation_notes="gesprek",
    )
    case = services.register_case(ib, signal, question="Wat heeft Sem nodig?")
    # Put the case directly in the state under test (the history itself is tested below).
    case.status = CaseStatus.objects.create(case=case, state=state, changed_by=ib)
    case.save()
    return case, ib


def arguments(to_state: str) -> dict[str, object]:
    kwargs: dict[str, object] = {}
    if to_state in workflow.NEEDS_REASON:
        kwargs["reason"] = "Omdat het zo is afgesproken."
    if to_state in workflow.NEEDS_UNTIL:
        kwargs["until"] = timezone.localdate() + timedelta(days=14)
    return kwargs


@pytest.mark.parametrize(("from_state", "to_state"), [p for p in ALL_PAIRS if workflow.allowed(*p)])
def test_every_allowed_change_is_made_and_kept_in_history(from_state: str, to_state: str) -> None:
    case, ib = new_case(from_state)
    before = case.history.count()
    services.change_state(ib, case, to_state, **arguments(to_state))  # type: ignore[arg-type]
    case.refresh_from_db()
    assert case.state == to_state
    assert case.history.count() == before + 1
    assert list(case.history.values_list("state", flat=True))[-2:] == [from_state, to_state]


@pytest.mark.parametrize(("from_state", "to_state"), [p for p in ALL_PAIRS if not workflow.allowed(*p)])
def test_every_other_change_is_refused_with_a_clear_message(from_state: str, to_state: str) -> None:
    case, ib = new_case(from_state)
    before = case.history.count()
    with pytest.raises(ValidationError) as exc:
        services.change_state(ib, case, to_state, **arguments(to_state))  # type: ignore[arg-type]
    assert "kan niet van" in exc.value.message_dict["state"][0]
    case.refresh_from_db()
    assert case.state == from_state and case.history.count() == before


def test_on_hold_says_why_and_until_when() -> None:
    case, ib = new_case(State.IN_DISCUSSION)
    with pytest.raises(ValidationError) as exc:
        services.change_state(ib, case, State.ON_HOLD, reason="Wachten op onderzoek")
    assert "until" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.change_state(ib, case, State.ON_HOLD, until=date.today() + timedelta(days=3))
    services.change_state(
        ib, case, State.ON_HOLD, reason="Wachten op onderzoek", until=date.today() + timedelta(days=3)
    )
    assert Case.objects.get(pk=case.pk).status.until is not None  # type: ignore[union-attr]


def test_a_refusal_carries_its_reasons() -> None:
    case, ib = new_case(State.REGISTERED)
    with pytest.raises(ValidationError):
        services.change_state(ib, case, State.CLOSED)
    services.change_state(ib, case, State.CLOSED, reason="Past bij de huisarts, niet bij school.")
    case.refresh_from_db()
    assert case.status.reason.startswith("Past bij")  # type: ignore[union-attr]
    assert case.solved_within_school is None


def test_a_case_needs_the_conversation_with_parents_first() -> None:
    child = ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    signal = services.raise_signal(ib, child, source="teacher", concerns=["behaviour"], description="Onrustig")
    with pytest.raises(ValidationError) as exc:
        services.register_case(ib, signal, question="?")
    assert "signal" in exc.value.message_dict
    services.record_conversation(ib, signal, on=timezone.localdate(), notes="Moeder herkent het.", with_child=True)
    case = services.register_case(ib, signal, question="Wat helpt?")
    assert case.state == State.REGISTERED
    assert case.decision_due.weekday() < 5
    assert (case.decision_due - timezone.localdate()).days >= 5


def test_decisions_are_due_in_working_days() -> None:
    friday = date(2026, 11, 20)
    assert services.add_working_days(friday, 5) == date(2026, 11, 27)
    assert services.add_working_days(date(2026, 11, 22), 1) == date(2026, 11, 23)


def test_a_case_closed_without_outside_help_is_solved_within_school() -> None:
    case, ib = new_case(State.EVALUATION)
    services.change_state(ib, case, State.CLOSED, reason="Doelen bereikt.")
    case.refresh_from_db()
    assert case.solved_within_school is True


def test_teachers_raise_signals_but_do_not_run_cases() -> None:
    child = ChildFactory()
    teacher = teacher_of(child).user
    signal = services.raise_signal(teacher, child, source="teacher", concerns=["learning"], description="Leest slecht")
    assert signal.pk
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.record_conversation(teacher, signal, on=timezone.localdate(), notes="x", with_child=False)


def test_team_decisions_become_actions_with_owner_and_due_date() -> None:
    case, ib = new_case(State.IN_DISCUSSION)
    owner = teacher_of(case.child)
    action = services.add_action(
        ib, case, description="Gesprek met moeder plannen", owner=owner, due=date.today() + timedelta(days=7)
    )
    assert (action.status, action.owner) == ("open", owner)
    stranger = MembershipFactory(role="teacher")
    with pytest.raises(ValidationError) as exc:
        services.add_action(ib, case, description="x", owner=stranger, due=date.today())
    assert "owner" in exc.value.message_dict


def test_minutes_are_visible_only_to_those_present() -> None:
    from rondom.cases.models import Meeting

    case, ib = new_case(State.REGISTERED)
    meeting = Meeting.objects.create(team=case.team, date=date.today() + timedelta(days=1))
    item = services.put_on_agenda(ib, case, meeting, [])
    teacher = teacher_of(case.child).user
    absent = teacher_of(case.child).user
    services.record_minutes(ib, item, minutes="Afgesproken: observatie in de klas.", present=[teacher], version=1)
    assert services.minutes_for(teacher, item) == "Afgesproken: observatie in de klas."
    assert services.minutes_for(ib, item) is not None
    assert services.minutes_for(absent, item) is None


def test_my_cases_lists_only_cases_whose_support_data_the_user_may_read(login) -> None:
    from tests.factories import OrganisationFactory

    case, _ib = new_case(State.IN_DISCUSSION)
    leerplicht = OrganisationFactory(kind="leerplicht")
    leerplicht.serves_municipalities.set([case.child.home_municipality])
    officer = MembershipFactory(organisation=leerplicht, role="leerplicht_officer").user
    from rondom.access import policy

    assert policy.decide(officer, case.child, "read", "identity").allowed  # in scope on the legal task ...
    page = login(officer).get("/casussen/")
    assert page.status_code == 200 and case.child.given_name not in page.content.decode()  # ... but no case data


def test_the_support_teams_decision_date_skips_christmas() -> None:
    """Registered on Friday 19 December 2025: five working days skip the weekends and both Christmas days."""
    child = ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    signal = services.raise_signal(ib, child, source="teacher", concerns=["behaviour"], description="Onrustig")
    services.record_conversation(ib, signal, on=date(2025, 12, 18), notes="Vader herkent het.", with_child=False)
    case = services.register_case(ib, signal, question="Wat helpt?", today=date(2025, 12, 19))
    assert case.decision_due == date(2025, 12, 30)
