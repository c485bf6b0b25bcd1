"""One plan (with the two-education-goals rule, versions and edit conflicts) and erbij halen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rondom.access import policy
from rondom.cases import services
from rondom.cases.models import FamilyPlan, HelpRequest, Plan, ProviderContact, Signal
from rondom.cases.workflow import State
from rondom.records.consent import withdraw_consent
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    OrganisationFactory,
    SchoolFactory,
    consent_for,
)

pytestmark = pytest.mark.django_db


def goal(domain: str, text: str = "Leest zelfstandig een boek") -> dict[str, str]:
    return {
        "domain": domain,
        "description": text,
        "target": "Eind van het schooljaar AVI E5",
        "owner": "juf Lotte",
        "support_by": "intern begeleider",
        "support_where": "school",
    }


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    child = ChildFactory()
    mother = GuardianshipFactory(child=child)
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    provider = OrganisationFactory(kind="provider", name="Trias Jeugdhulp")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    ProviderContact.objects.create(provider=provider, membership=contact, school=child.school)
    signal = Signal.objects.create(
        child=child,
        source="teacher",
        concerns=["behaviour"],
        description="x",
        conversation_on=timezone.localdate(),
        conversation_notes="gesprek",
    )
    case = services.register_case(ib, signal, question="Wat helpt?")
    consent = consent_for(child, "provider", provider, ["support", "youth_care"])
    return {
        "child": child,
        "mother": mother,
        "ib": ib,
        "provider": provider,
        "contact": contact.user,
        "case": case,
        "consent": consent,
    }


def test_a_treatment_plan_needs_at_least_two_education_goals(world) -> None:  # type: ignore[no-untyped-def]
    child, ib = world["child"], world["ib"]
    with pytest.raises(ValidationError) as exc:
        services.save_plan(ib, child, goals=[goal("school"), goal("home")], includes_treatment=True, base_version=0)
    assert "goals" in exc.value.message_dict
    assert not Plan.objects.filter(child=child, version__gt=0).exists()
    plan = services.save_plan(
        ib,
        child,
        goals=[goal("school"), goal("school", "Rekent tot 100"), goal("home")],
        includes_treatment=True,
        base_version=0,
    )
    assert plan.version == 1 and len(plan.content["goals"]) == 3


def test_a_plan_without_treatment_may_have_one_education_goal(world) -> None:  # type: ignore[no-untyped-def]
    plan = services.save_plan(
        world["ib"], world["child"], goals=[goal("school")], includes_treatment=False, base_version=0
    )
    assert plan.version == 1


def test_goals_need_a_target_and_an_owner(world) -> None:  # type: ignore[no-untyped-def]
    bad = {**goal("school"), "owner": ""}
    with pytest.raises(ValidationError):
        services.save_plan(world["ib"], world["child"], goals=[bad], includes_treatment=False, base_version=0)


def test_work_goals_are_for_youths_of_16_and_older(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        services.save_plan(world["ib"], world["child"], goals=[goal("work")], includes_treatment=False, base_version=0)


def test_every_version_is_kept_and_a_stale_save_is_a_conflict_showing_what_changed(world) -> None:  # type: ignore[no-untyped-def]
    child, ib = world["child"], world["ib"]
    plan = services.save_plan(ib, child, goals=[goal("school")], includes_treatment=False, base_version=0)
    goals = plan.content["goals"]
    # Karim and Ingrid both read version 1. Ingrid saves first.
    services.save_plan(
        ib,
        child,
        goals=[{**goals[0], "target": "AVI E6"}, goal("home", "Slaapt op tijd")],
        includes_treatment=False,
        base_version=1,
    )
    with pytest.raises(services.PlanConflict) as conflict:
        services.save_plan(
            ib, child, goals=[{**goals[0], "owner": "meester Karim"}], includes_treatment=False, base_version=1
        )
    assert conflict.value.current_version == 2
    changes = {c["change"]: c for c in conflict.value.changes}
    assert changes["changed"]["fields"] == ["target"] and changes["added"]["description"] == "Slaapt op tijd"
    plan.refresh_from_db()
    assert plan.version == 2 and plan.content["goals"][0]["target"] == "AVI E6"
    assert list(plan.versions.values_list("number", flat=True)) == [1, 2]


def test_parents_agreement_and_the_youths_own_words_are_recorded(world) -> None:  # type: ignore[no-untyped-def]
    plan = services.save_plan(
        world["ib"], world["child"], goals=[goal("school")], includes_treatment=False, base_version=0
    )
    agreement = services.record_agreement(
        world["ib"], plan, capacity="parent", person_name="Olga Hendriks", agrees=True
    )
    view = services.record_agreement(
        world["ib"],
        plan,
        capacity="youth",
        person_name="Noor",
        agrees=True,
        own_words="Ik wil graag dat de juf me helpt met lezen.",
    )
    assert agreement.version == view.version == 1 and view.own_words.startswith("Ik wil")


def test_goals_are_evaluated_on_a_scale_by_each_party(world) -> None:  # type: ignore[no-untyped-def]
    plan = services.save_plan(
        world["ib"], world["child"], goals=[goal("school")], includes_treatment=False, base_version=0
    )
    goal_id = plan.content["goals"][0]["id"]
    for rater in ("parent", "youth", "teacher", "professional"):
        services.evaluate_goal(world["ib"], plan, goal_id=goal_id, rater=rater, score=4)
    with pytest.raises(ValidationError):
        services.evaluate_goal(world["ib"], plan, goal_id=goal_id, rater="parent", score=7)
    assert plan.evaluations.count() == 4


def bring_in(world, **overrides):  # type: ignore[no-untyped-def]
    kwargs = {
        "kind": "bring_in",
        "provider": world["provider"],
        "question": "Hulp bij driftbuien in de klas",
        "consent": world["consent"],
        "categories": ["youth_care"],
        "ends_on": timezone.localdate() + timedelta(days=60),
    }
    kwargs.update(overrides)
    return services.request_help(world["ib"], world["case"], **kwargs)


def test_bringing_in_needs_consent_naming_the_provider(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as exc:
        bring_in(world, consent=None)
    assert "consent" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        bring_in(world, categories=["health"])
    assert "categories" in exc.value.message_dict
    assert not HelpRequest.objects.exists()


def test_the_named_contact_sees_the_request_then_joins_with_scoped_access(world) -> None:  # type: ignore[no-untyped-def]
    child, contact = world["child"], world["contact"]
    other = ChildFactory(school=child.school)
    assert not policy.decide(contact, child, "read", "identity").in_scope
    request = bring_in(world)
    assert request.contact.user == contact  # type: ignore[union-attr]
    seen = policy.decide(contact, child, "read", "identity")
    assert seen.allowed and seen.ground == "request"
    assert not policy.decide(contact, child, "read", "youth_care").allowed
    services.record_first_contact(contact, request)
    services.join(contact, request)
    request.refresh_from_db()
    assert request.requested_at <= request.first_contact_at <= request.joined_at  # type: ignore[operator]
    assert policy.decide(contact, child, "update", "youth_care").allowed
    assert not policy.decide(contact, child, "read", "support").allowed
    assert not policy.decide(contact, other, "read", "identity").in_scope


def test_access_brought_in_ends_at_its_end_date(world) -> None:  # type: ignore[no-untyped-def]
    request = bring_in(world)
    services.join(world["contact"], request)
    later = timezone.now() + timedelta(days=61)
    assert not policy.decide(world["contact"], world["child"], "read", "youth_care", now=later).in_scope


def test_access_brought_in_ends_when_the_consent_is_withdrawn(world) -> None:  # type: ignore[no-untyped-def]
    request = bring_in(world)
    services.join(world["contact"], request)
    withdraw_consent(world["mother"].user, world["consent"])
    assert not policy.decide(world["contact"], world["child"], "read", "youth_care").in_scope


def test_access_brought_in_ends_when_the_case_closes(world) -> None:  # type: ignore[no-untyped-def]
    request = bring_in(world)
    services.join(world["contact"], request)
    case = world["case"]
    services.change_state(world["ib"], case, State.IN_DISCUSSION)
    services.change_state(world["ib"], case, State.CLOSED, reason="Opgelost.")
    assert not policy.decide(world["contact"], world["child"], "read", "youth_care").in_scope
    case.refresh_from_db()
    assert case.solved_within_school is False


def test_a_referral_is_recorded_as_a_different_kind_without_access(world) -> None:  # type: ignore[no-untyped-def]
    request = bring_in(world, kind="referral", consent=None, categories=[], ends_on=None)
    assert request.kind == "referral" and request.contact is None
    assert not policy.decide(world["contact"], world["child"], "read", "identity").in_scope


def test_only_the_addressed_contact_can_join(world) -> None:  # type: ignore[no-untyped-def]
    from django.http import Http404

    request = bring_in(world)
    colleague = MembershipFactory(organisation=world["provider"], role="provider_contact").user
    with pytest.raises(Http404):
        services.join(colleague, request)


def test_a_family_plan_links_siblings_across_two_schools(world) -> None:  # type: ignore[no-untyped-def]
    brother = ChildFactory(school=SchoolFactory(school_type="vo"))
    GuardianshipFactory(child=brother, user=world["mother"].user)
    zorgco = MembershipFactory(organisation=brother.school, role="zorgcoordinator").user
    sister_plan = services.save_plan(
        world["ib"], world["child"], goals=[goal("school")], includes_treatment=False, base_version=0
    )
    brother_plan = services.save_plan(zorgco, brother, goals=[goal("home")], includes_treatment=False, base_version=0)
    family = services.link_family_plan(world["ib"], sister_plan, brother_plan)
    assert isinstance(family, FamilyPlan)
    assert set(family.plans.values_list("child_id", flat=True)) == {world["child"].pk, brother.pk}
    # The IB'er of one school still sees only her own pupil's plan.
    assert not policy.decide(world["ib"], brother, "read", "support").in_scope


def test_the_case_page_shows_the_family_picture_only_for_siblings_in_scope(world, login) -> None:  # type: ignore[no-untyped-def]
    sister = ChildFactory(school=world["child"].school, given_name="Zus")
    GuardianshipFactory(child=sister, user=world["mother"].user)
    cousin = ChildFactory(school=SchoolFactory(), given_name="Elders")
    GuardianshipFactory(child=cousin, user=world["mother"].user)
    page = login(world["ib"]).get(f"/kinderen/{world['child'].pk}/casus/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Zus" in html and "Elders" not in html


def test_opening_the_forms_of_a_child_is_logged(world, login) -> None:  # type: ignore[no-untyped-def]
    from rondom.audit.models import AccessLogEntry

    client = login(world["ib"])
    child = world["child"]
    assert client.get(f"/kinderen/{child.pk}/signaal/").status_code == 200
    assert client.get(f"/kinderen/{child.pk}/casus/{world['case'].pk}/erbij-halen/").status_code == 200
    logged = set(AccessLogEntry.objects.filter(child_id=child.pk, action="read").values_list("object_type", flat=True))
    assert {"signal_form", "consents"} <= logged
