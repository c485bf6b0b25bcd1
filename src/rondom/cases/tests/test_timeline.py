"""The case page tells the whole story (issue 14, item 5): one timeline of everything that happened to the child's
case, newest first, with what, who and when, filtered by what the viewer may read; and a consent withdrawal that
shows at once in the involved list and tells the professionals who lost access."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from rondom.access import policy
from rondom.access.models import TeamMembership
from rondom.cases import selectors, services
from rondom.cases.models import GoalEvaluation, HelpRequest, Meeting, ProviderContact, Signal
from rondom.cases.timeline import Event, readable_categories, timeline
from rondom.cases.workflow import State
from rondom.consent.models import Capacity
from rondom.core.categories import Action, DataCategory
from rondom.notifications.models import Notification
from rondom.records.consent import Giver, withdraw_consent
from rondom.thuiszitters.models import EscalationLevel, EscalationStep, Thuiszitter
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    OrganisationFactory,
    consent_for,
)

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 3, 2, 9, 0, tzinfo=AMS)  # a Monday


def goal(domain: str) -> dict[str, str]:
    return {
        "domain": domain,
        "description": "Leest zelfstandig",
        "target": "AVI E5",
        "owner": "juf Lotte",
        "support_by": "ib",
        "support_where": "school",
    }


@pytest.fixture
def traveller() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as t:
        yield t


@pytest.fixture
def story(traveller: Any) -> dict[str, Any]:
    """A case from signal to withdrawal, one hour between each step."""

    def later() -> None:
        traveller.shift(timedelta(hours=1))

    child = ChildFactory()
    mother = GuardianshipFactory(child=child)
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider", user__first_name="Ingrid").user
    provider = OrganisationFactory(kind="provider", name="Trias Jeugdhulp")
    other_provider = OrganisationFactory(kind="provider", name="Accare")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    ProviderContact.objects.create(provider=provider, membership=contact, school=child.school)
    signal = services.raise_signal(ib, child, source="teacher", concerns=["behaviour"], description="Driftbuien")
    later()
    services.record_conversation(ib, signal, on=timezone.localdate(), notes="gesprek", with_child=True)
    later()
    case = services.register_case(ib, signal, question="Wat helpt?")
    later()
    meeting = Meeting.objects.create(team=case.team, date=timezone.localdate() + timedelta(days=7))
    services.put_on_agenda(ib, case, meeting, [])  # takes the case into discussion
    later()
    plan = services.save_plan(ib, child, goals=[goal("school")], includes_treatment=False, base_version=0)
    later()
    services.change_state(ib, case, State.PLAN_ACTIVE)
    later()
    services.record_agreement(ib, plan, capacity="parent", person_name="Olga Hendriks", agrees=True)
    later()
    services.evaluate_goal(ib, plan, goal_id=plan.content["goals"][0]["id"], rater="parent", score=4)
    later()
    provider_consent = consent_for(child, "provider", provider, ["support", "youth_care"])
    other_consent = consent_for(child, "support_team", other_provider, ["support"])
    later()
    request = services.request_help(
        ib,
        case,
        kind="bring_in",
        provider=provider,
        question="Hulp bij driftbuien",
        consent=provider_consent,
        categories=["support", "youth_care"],
        ends_on=timezone.localdate() + timedelta(days=60),
    )
    later()
    services.record_first_contact(contact.user, request)
    later()
    services.join(contact.user, request)
    later()
    smw = MembershipFactory(organisation=other_provider, role="school_social_worker")
    TeamMembership.objects.create(child=child, membership=smw, consent=other_consent, added_by=ib)
    later()
    level = EscalationLevel.objects.create(rank=1, name="Gesprek op school", deadline_working_days=10)
    period = Thuiszitter.objects.create(
        child=child, kind="absolute", reason="refusal", started_on=timezone.localdate(), registered_by=ib
    )
    later()
    EscalationStep.objects.create(thuiszitter=period, level=level, deadline=timezone.localdate(), automatic=True)
    later()
    return {
        "child": child,
        "mother": mother,
        "ib": ib,
        "contact": contact.user,
        "smw": smw.user,
        "provider_consent": provider_consent,
        "other_consent": other_consent,
        "later": later,
    }


def events_for(user: Any, child: Any) -> list[Event]:
    decision = policy.decide(user, child, Action.READ, DataCategory.SUPPORT)
    return timeline(child, decision=decision, readable=readable_categories(policy.bases_for(user, child)))


def test_every_source_appears_with_who_and_when(story: dict[str, Any]) -> None:
    events = events_for(story["ib"], story["child"])
    kinds = {e.kind for e in events}
    assert kinds >= {
        "signal",
        "conversation",
        "case",
        "status",
        "agenda",
        "plan_version",
        "agreement",
        "evaluation",
        "help_request",
        "help_contact",
        "help_joined",
        "consent_given",
        "seat",
        "thuiszitter",
        "escalation",
    }
    by_kind = {e.kind: e for e in events}
    ib_name = story["ib"].display_name
    assert by_kind["signal"].actor.startswith(ib_name) and "Intern begeleider" in by_kind["signal"].actor
    assert by_kind["conversation"].actor.startswith(ib_name)
    assert by_kind["conversation"].title == "Gesprek met de ouders en het kind"
    assert by_kind["help_joined"].actor.startswith(story["contact"].display_name)
    assert "Trias Jeugdhulp" in by_kind["help_joined"].actor
    assert by_kind["consent_given"].actor == "de ouders"
    assert by_kind["agreement"].actor == "Olga Hendriks (ouder)"
    assert by_kind["escalation"].actor == "het systeem"  # a step the ladder took by itself
    assert {e.title for e in events if e.kind == "status"} == {"Status: In bespreking", "Status: Plan actief"}
    assert by_kind["status"].actor.startswith(ib_name)
    assert by_kind["agenda"].actor == f"Ondersteuningsteam {story['child'].school.name}"
    assert by_kind["signal"].at == START
    # Known by its day only, but never before its signal; shown above it.
    assert by_kind["conversation"].at == START and events.index(by_kind["conversation"]) < events.index(
        by_kind["signal"]
    )
    assert by_kind["case"].at == START + timedelta(hours=2)


def test_newest_first(story: dict[str, Any]) -> None:
    events = events_for(story["ib"], story["child"])
    moments = [e.at for e in events]
    assert moments == sorted(moments, reverse=True)
    # The meeting is next week: on top. The signal is the oldest entry with a time.
    assert events[0].kind == "agenda" and [e for e in events if not e.date_only][-1].kind == "signal"


def test_withdrawal_shows_who_withdrew_and_closing_and_reopening_by_name(story: dict[str, Any]) -> None:
    child, ib = story["child"], story["ib"]
    withdraw_consent(story["mother"].user, story["provider_consent"])
    case = child.cases.get()
    for state, reason in ((State.EVALUATION, ""), (State.CLOSED, "Opgelost"), (State.REOPENED, "Weer zorgen")):
        story["later"]()
        services.change_state(ib, case, state, reason=reason)
    events = [e for e in events_for(ib, child) if e.kind in ("status", "consent_withdrawn", "agenda")]
    assert [e.title for e in events[1:5]] == [
        "Casus heropend",
        "Casus afgesloten",
        "Status: Evaluatie",
        "Toestemming ingetrokken: de toegang die erop steunde is beëindigd",
    ]
    assert events[2].detail == "Opgelost"
    withdrawn = events[4]
    assert withdrawn.actor == "de ouders" and "Trias Jeugdhulp" in withdrawn.detail
    assert "Ondersteuning op school" in withdrawn.detail and "Jeugdhulp" in withdrawn.detail


def test_entries_of_a_category_the_viewer_may_not_read_are_left_out(story: dict[str, Any]) -> None:
    child, ib = story["child"], story["ib"]
    decision = policy.decide(ib, child, Action.READ, DataCategory.SUPPORT)
    support_only = timeline(child, decision=decision, readable={DataCategory.SUPPORT})
    assert not {"thuiszitter", "escalation"} & {e.kind for e in support_only}
    absence_only = timeline(child, decision=decision, readable={DataCategory.ABSENCE})
    assert {e.kind for e in absence_only} == {"thuiszitter", "escalation"}
    assert timeline(child, decision=decision, readable={DataCategory.IDENTITY}) == []


def test_a_provider_sees_only_the_consents_his_organisation_is_party_to(story: dict[str, Any]) -> None:
    child, contact = story["child"], story["contact"]
    decision = policy.decide(contact, child, Action.READ, DataCategory.SUPPORT)
    assert decision.allowed and decision.ground == "grant"
    events = events_for(contact, child)
    consents = [e for e in events if e.kind.startswith("consent")]
    assert len(consents) == 1 and "Trias Jeugdhulp" in consents[0].detail
    assert not any("Accare" in e.detail for e in consents)
    # Nor the thuiszitter's absence: the grant does not read it.
    assert not {"thuiszitter", "escalation"} & {e.kind for e in events}
    # The school sees both.
    assert len([e for e in events_for(story["ib"], child) if e.kind == "consent_given"]) == 2


def test_a_provider_on_a_grant_sees_seats_and_requests_of_his_own_organisation_and_the_school_only(
    story: dict[str, Any],
) -> None:
    """Review of issue 14: the seats and the requests for help named other organisations (Accare's school social
    worker in the support team, a referral to Accare) to a provider reading on a grant; they are left out entirely,
    as the consents he is no party to."""
    child, ib, contact = story["child"], story["ib"], story["contact"]
    teacher = MembershipFactory(organisation=child.school, role="teacher", user__first_name="Lotte")
    TeamMembership.objects.create(child=child, membership=teacher, added_by=ib)
    accare = story["smw"].memberships.get().organisation
    HelpRequest.objects.create(
        case=child.cases.get(), kind=HelpRequest.Kind.choices[-1][0], provider=accare, question="GGZ-traject"
    )
    assert policy.decide(contact, child, Action.READ, DataCategory.SUPPORT).ground == "grant"
    events = events_for(contact, child)
    assert [(e.kind, e.detail) for e in events if "Accare" in e.detail + e.actor] == []
    seats = [e.detail for e in events if e.kind == "seat"]
    assert len(seats) == 1 and seats[0].startswith(teacher.user.display_name)  # the school's seat
    requests = [e.detail for e in events if e.kind.startswith("help")]
    assert len(requests) == 3 and all("Trias Jeugdhulp" in d for d in requests)  # his own: asked, contact, joined
    # The school sees every seat and every request.
    school = events_for(ib, child)
    assert len([e for e in school if e.kind == "seat"]) == 2
    assert len([e for e in school if e.kind == "help_request"]) == 2


def test_one_query_per_source(story: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    child, ib = story["child"], story["ib"]
    decision = policy.decide(ib, child, Action.READ, DataCategory.SUPPORT)
    readable = readable_categories(policy.bases_for(ib, child))
    # 16 sources (the team's decisions and actions: issue 14, point 6; a warm transfer and the OPP's instemmingen:
    # issue 16), the givers of the consents, and three to name the people.
    with django_assert_max_num_queries(20):
        first = timeline(child, decision=decision, readable=readable)
    for _ in range(5):  # more of everything costs no more queries
        signal = Signal.objects.first()
        assert signal is not None
        GoalEvaluation.objects.create(
            plan=child.plan, goal_id="x", rater="parent", score=3, evaluated_on=timezone.localdate()
        )
        MembershipFactory(organisation=child.school, role="teacher")
    with django_assert_max_num_queries(20):
        assert len(timeline(child, decision=decision, readable=readable)) == len(first) + 5


def test_a_withdrawal_ends_the_access_in_the_involved_list_at_once(story: dict[str, Any]) -> None:
    child = story["child"]
    before = {i.name: i for i in selectors.involved(child)}
    assert before[story["contact"].display_name].active and before[story["smw"].display_name].active
    withdraw_consent(story["mother"].user, story["provider_consent"])
    after = {i.name: i for i in selectors.involved(child)}
    ended = after[story["contact"].display_name]
    assert not ended.active
    assert ended.ended_at == timezone.now() and ended.end_reason == "toestemming ingetrokken"
    assert after[story["smw"].display_name].active  # another consent: unchanged


def test_the_case_page_says_access_ended_and_shows_the_withdrawal(story: dict[str, Any], login: Any) -> None:
    withdraw_consent(story["mother"].user, story["provider_consent"])
    page = login(story["ib"]).get(f"/kinderen/{story['child'].pk}/casus/")
    assert page.status_code == 200
    html = page.content.decode()
    day = f"{timezone.localdate().day} maart 2026"
    assert f"Toegang beëindigd op {day} (toestemming ingetrokken)" in html
    assert "Toestemming ingetrokken: de toegang die erop steunde is beëindigd" in html


def test_those_who_lost_access_are_told_without_content(story: dict[str, Any]) -> None:
    child = story["child"]
    withdraw_consent(story["mother"].user, story["provider_consent"])
    told = list(Notification.objects.all())
    assert [n.recipient for n in told] == [story["contact"]]
    notice = told[0]
    assert notice.title == "Toegang tot een leerling beëindigd: de familie heeft de toestemming ingetrokken"
    assert child.given_name not in notice.title and child.family_name not in notice.title
    assert notice.url == ""  # no link to a page that no longer opens for them
    assert not policy.decide(story["contact"], child, Action.READ, DataCategory.IDENTITY).allowed


def test_a_seat_in_the_support_team_ends_with_its_consent_and_is_told(story: dict[str, Any]) -> None:
    withdraw_consent(story["ib"], story["other_consent"], on_behalf=Giver(Capacity.PARENT))
    assert [n.recipient for n in Notification.objects.all()] == [story["smw"]]
    seat = next(i for i in selectors.involved(story["child"]) if i.name == story["smw"].display_name)
    assert not seat.active and seat.end_reason == "toestemming ingetrokken"


def test_a_double_withdrawal_tells_each_person_once(story: dict[str, Any]) -> None:
    withdraw_consent(story["mother"].user, story["provider_consent"])
    with pytest.raises(ValidationError):
        withdraw_consent(story["mother"].user, story["provider_consent"])
    assert Notification.objects.filter(recipient=story["contact"]).count() == 1


def test_who_keeps_access_on_another_ground_is_not_told(story: dict[str, Any]) -> None:
    # The ib'er seated in the team on a consent still reads the support record as the child's school.
    child = story["child"]
    school_consent = consent_for(child, "support_team", child.school, ["support"])
    TeamMembership.objects.create(child=child, membership=story["ib"].memberships.get(), consent=school_consent)
    withdraw_consent(story["mother"].user, school_consent)
    assert not Notification.objects.exists()


def test_the_contact_of_an_open_request_is_told_too(story: dict[str, Any]) -> None:
    child = story["child"]
    wijkteam = OrganisationFactory(kind="wijkteam", name="Wijkteam Noord")
    worker = MembershipFactory(organisation=wijkteam, role="wijkteam_worker")
    consent = consent_for(child, "wijkteam", wijkteam, ["support"])
    HelpRequest.objects.create(
        case=child.cases.get(), kind="bring_in", provider=wijkteam, contact=worker, question="?", consent=consent
    )
    assert policy.decide(worker.user, child, Action.READ, DataCategory.IDENTITY).allowed
    withdraw_consent(story["mother"].user, consent)
    assert [n.recipient for n in Notification.objects.all()] == [worker.user]


class _MailServerDown:
    """An e-mail backend whose server refuses every message, as smtplib does when the relay is down."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        import smtplib

        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_mail_server_that_is_down_does_not_undo_the_withdrawal(  # type: ignore[no-untyped-def]
    story: dict[str, Any], settings, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}._MailServerDown"
    story["contact"].email = "contact@example.org"
    story["contact"].save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True) as sent_after_commit:
        withdraw_consent(story["mother"].user, story["provider_consent"])
    story["provider_consent"].refresh_from_db()
    assert story["provider_consent"].withdrawn_at is not None  # the family's decision stands
    notice = Notification.objects.get(recipient=story["contact"])
    assert notice.emailed_at is None  # not marked as mailed: it was not
    assert len(sent_after_commit) == 1  # the e-mail waited for the commit


def test_the_e_mail_leaves_only_after_the_commit(story: dict[str, Any], django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from django.core import mail

    story["contact"].email = "contact@example.org"
    story["contact"].save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        withdraw_consent(story["mother"].user, story["provider_consent"])
    assert mail.outbox == [] and len(waiting) == 1
    waiting[0]()
    assert [m.to for m in mail.outbox] == [["contact@example.org"]]
    assert "Toegang" not in mail.outbox[0].body  # "something new", nothing about what
