"""The school's side of a request to the samenwerkingsverband (issue 16, part 3; docs/swv.md): bad input refused
with the field and the rule, the request filled from the OPP without retyping, the deadline on the calendar, double
submits, who may send, documents only on the parents' release."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import override_settings

from rondom.audit.models import AccessLogEntry
from rondom.cases.models import Case, CaseStatus, Plan, SupportTeam
from rondom.consent.models import Consent, ConsentGiver, Purpose
from rondom.core.errors import Conflict
from rondom.portal.models import FamilyDocument
from rondom.records import consent as consent_services
from rondom.swv import services
from rondom.swv.models import DocumentRelease, RequestKind, RequestState, SwvRequest
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    OrganisationFactory,
    SchoolFactory,
    teacher_of,
)

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 10)  # a Wednesday outside holidays
OPP = {
    "uitstroombestemming": "vmbo basis/kader",
    "uitstroomprofiel": "",
    "onderbouwing": "Leerrendement 50% op rekenen en lezen.",
    "onderwijsbehoeften": "Kleine groep, korte instructie, vaste structuur.",
    "bevorderende_factoren": "Sportief, zorgzaam.",
    "belemmerende_factoren": "Snel overprikkeld.",
    "handelingsdeel": [
        {
            "id": "h1",
            "support": "Remedial teaching",
            "by": "RT'er",
            "where": "school",
            "hours_per_week": "2",
            "from": "2027-01-10",
            "until": "2027-07-10",
        }
    ],
    "child_voice": {"onderwijsbehoeften": "Ik wil rust."},
    "parents_view": {},
}
GOALS = [{"id": "g1", "domain": "school", "description": "Lezen op AVI E4", "target": "Toets juni", "owner": "juf"}]


def swv_consent(child, recipient, *, categories=("identity", "support")) -> Consent:  # type: ignore[no-untyped-def]
    consent = Consent.objects.create(
        child=child,
        purpose=Purpose.SWV,
        recipient=recipient,
        categories=list(categories),
        valid_from=date(2025, 1, 1),
    )
    for g in child.guardianships.filter(has_authority=True):
        ConsentGiver.objects.create(consent=consent, capacity="parent", guardianship=g)
    return consent


@pytest.fixture
def world(settings, tmp_path):  # type: ignore[no-untyped-def]
    return build_world(settings, tmp_path)


def build_world(settings, tmp_path) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """A pupil of a po school whose samenwerkingsverband is configured: a parent with authority, the ib'er, plan
    version 3 with an OPP and a goal, an open case, and a document the parents added."""
    settings.VAR_DIR = tmp_path
    swv = OrganisationFactory(kind="swv", name="SWV IJssel | Vecht")
    school = SchoolFactory(samenwerkingsverband=swv)
    child = ChildFactory(school=school, date_of_birth=date(2017, 1, 5))
    parent = GuardianshipFactory(child=child).user
    ib = MembershipFactory(organisation=school, role="intern_begeleider").user
    plan = Plan.objects.create(child=child, version=3, content={"goals": GOALS, "opp": OPP}, opp_basis="extra_support")
    team = SupportTeam.objects.create(school=school)
    case = Case.objects.create(
        child=child, team=team, question="Past deze leerling nog in de groep?", decision_due=TODAY
    )
    case.status = CaseStatus.objects.create(case=case, state="registered", reason="Gemeld")
    case.save()
    document = FamilyDocument(
        child=child, capacity="parent", name="verslag-psycholoog.pdf", content_type="application/pdf", size=9
    )
    document.file.save("x.pdf", ContentFile(b"%PDF-1.7 "), save=True)
    return {
        "swv": swv,
        "school": school,
        "child": child,
        "parent": parent,
        "ib": ib,
        "plan": plan,
        "case": case,
        "document": document,
    }


def submit(world, **kwargs):  # type: ignore[no-untyped-def]
    args = {"kind": RequestKind.ARRANGEMENT, "question": "Graag een arrangement.", "today": TODAY}
    args.update(kwargs)
    return services.submit_request(world["ib"], world["child"], case=world["case"], **args)


def refused(world, field: str, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as exc:
        submit(world, **kwargs)
    assert field in exc.value.message_dict, exc.value.message_dict
    assert SwvRequest.objects.count() == 0
    return " ".join(exc.value.message_dict[field])


# --- Consent ----------------------------------------------------------------------------------------------------


def test_without_the_parents_consent_nothing_is_sent(world) -> None:  # type: ignore[no-untyped-def]
    assert "consent" in refused(world, "consent").lower() or "toestemming" in refused(world, "consent").lower()


def test_a_consent_naming_another_recipient_does_not_count(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], OrganisationFactory(kind="swv", name="Ander SWV"))
    message = refused(world, "consent")
    assert world["swv"].name in message


def test_a_consent_without_the_support_record_does_not_count(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"], categories=("identity",))
    refused(world, "consent")


def test_a_withdrawn_consent_does_not_count(world) -> None:  # type: ignore[no-untyped-def]
    consent = swv_consent(world["child"], world["swv"])
    consent_services.withdraw_consent(world["parent"], consent)
    refused(world, "consent")


def test_a_professional_records_a_consent_naming_the_samenwerkingsverband(world) -> None:  # type: ignore[no-untyped-def]
    guardianship = world["child"].guardianships.get()
    consent = consent_services.give_consent(
        world["ib"],
        world["child"],
        purpose=Purpose.SWV,
        categories=["identity", "support"],
        recipient=world["swv"],
        givers=[consent_services.Giver("parent", guardianship)],
    )
    assert consent.recipient == world["swv"]
    with pytest.raises(ValidationError) as exc:  # a school is no samenwerkingsverband
        consent_services.give_consent(
            world["ib"],
            world["child"],
            purpose=Purpose.SWV,
            categories=["support"],
            recipient=SchoolFactory(),
            givers=[consent_services.Giver("parent", guardianship)],
        )
    assert "recipient" in exc.value.message_dict


# --- The kinds' rules --------------------------------------------------------------------------------------------


def test_a_tlv_needs_an_opp(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    world["plan"].content = {"goals": GOALS}
    world["plan"].save()
    refused(world, "opp", kind=RequestKind.TLV)


def test_a_tlv_needs_the_uitstroombestemming(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    world["plan"].content = {"goals": GOALS, "opp": {**OPP, "uitstroombestemming": "  "}}
    world["plan"].save()
    message = refused(world, "opp", kind=RequestKind.TLV)
    assert "uitstroombestemming" in message.lower()  # the field by its label, capitalised


def test_a_tlv_needs_the_reasoning_and_the_educational_needs(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    world["plan"].content = {"goals": GOALS, "opp": {**OPP, "onderwijsbehoeften": ""}}
    world["plan"].save()
    refused(world, "opp", kind=RequestKind.TLV)


def test_a_child_without_a_plan_gets_no_tlv(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    world["plan"].delete()
    refused(world, "opp", kind=RequestKind.TLV)


@pytest.mark.parametrize("amount", [Decimal("-100"), Decimal("0"), Decimal("100000.01"), Decimal("12.345"), "veel"])
def test_funding_must_be_a_positive_bounded_amount(world, amount) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    refused(world, "funding_requested", funding_requested=amount)


def test_only_an_arrangement_asks_for_funding(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    refused(world, "funding_requested", kind=RequestKind.CONSULTATION, funding_requested=Decimal("500"))


def test_an_unknown_kind_and_an_empty_question_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    refused(world, "kind", kind="rugzak")
    refused(world, "question", question="  ")


def test_a_school_without_samenwerkingsverband_cannot_send(world) -> None:  # type: ignore[no-untyped-def]
    world["school"].samenwerkingsverband = None
    world["school"].save()
    world["child"].refresh_from_db()
    refused(world, "child")


# --- Documents on the parents' release ---------------------------------------------------------------------------


def test_a_document_not_released_by_the_parents_is_not_attached(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    refused(world, "documents", document_ids=[world["document"].pk])
    refused(world, "documents", document_ids=[services.OPP_PDF])


def test_a_document_of_another_child_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    other = FamilyDocument.objects.create(
        child=ChildFactory(school=world["school"]), capacity="parent", name="x", content_type="x", size=1
    )
    refused(world, "documents", document_ids=[other.pk])


def test_released_documents_are_attached_per_document(world) -> None:  # type: ignore[no-untyped-def]
    consent = swv_consent(world["child"], world["swv"])
    second = FamilyDocument.objects.create(
        child=world["child"], capacity="parent", name="dagboek.pdf", content_type="application/pdf", size=1
    )
    services.release_documents(
        world["ib"], world["child"], consent=consent, document_ids=[world["document"].pk], opp_pdf=True, today=TODAY
    )
    # Released again: nothing doubled.
    services.release_documents(
        world["ib"], world["child"], consent=consent, document_ids=[world["document"].pk], today=TODAY
    )
    assert DocumentRelease.objects.filter(consent=consent).count() == 2
    refused(world, "documents", document_ids=[world["document"].pk, second.pk])  # the second is not released
    made = submit(world, document_ids=[world["document"].pk, services.OPP_PDF])
    names = sorted(d.name for d in made.documents.all())
    assert len(names) == 2 and "verslag-psycholoog.pdf" in names
    assert {d.consent_id for d in made.documents.all()} == {consent.pk}
    assert made.documents.filter(generated=services.OPP_PDF).count() == 1


def test_a_release_needs_a_consent_naming_the_samenwerkingsverband(world) -> None:  # type: ignore[no-untyped-def]
    other = swv_consent(world["child"], OrganisationFactory(kind="swv"))
    with pytest.raises(ValidationError) as exc:
        services.release_documents(
            world["ib"], world["child"], consent=other, document_ids=[world["document"].pk], today=TODAY
        )
    assert "consent" in exc.value.message_dict
    assert not DocumentRelease.objects.exists()


# --- What is sent: copied, never retyped ------------------------------------------------------------------------


def test_the_snapshot_is_the_opp_and_the_goals_of_the_current_plan_version(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    made = submit(world, kind=RequestKind.TLV)
    assert made.snapshot["opp"] == world["plan"].content["opp"]
    assert made.snapshot["goals"] == world["plan"].content["goals"]
    assert made.snapshot["plan_version"] == made.plan_version == 3
    assert made.snapshot["case"]["question"] == world["case"].question
    assert [h["state"] for h in made.snapshot["case"]["history"]] == ["registered"]
    # A later change of the plan does not change what was sent.
    world["plan"].content = {"goals": [], "opp": {**OPP, "uitstroombestemming": "havo"}}
    world["plan"].version = 4
    world["plan"].save()
    made.refresh_from_db()
    assert made.snapshot["opp"]["uitstroombestemming"] == "vmbo basis/kader"


def test_a_sent_request_is_received_today_by_the_schools_samenwerkingsverband_and_logged(world) -> None:  # type: ignore[no-untyped-def]
    consent = swv_consent(world["child"], world["swv"])
    made = submit(world, funding_requested=Decimal("4500.50"))
    assert (made.swv, made.school, made.consent, made.state) == (world["swv"], world["school"], consent, "submitted")
    assert made.received_on == TODAY and made.funding_requested == Decimal("4500.50")
    row = AccessLogEntry.objects.filter(object_type="swv_request").get()
    assert (row.action, row.category, row.ground, row.object_id) == ("create", "support", "school_role", str(made.pk))


# --- The deadline on the calendar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        (date(2027, 3, 10), date(2027, 3, 17)),  # an ordinary week
        (date(2027, 3, 26), date(2027, 4, 5)),  # Good Friday (not a holiday) + Tweede Paasdag 29 March skipped
        (date(2026, 12, 18), date(2026, 12, 28)),  # Friday before Christmas: Friday 25 December skipped
        (date(2026, 12, 24), date(2027, 1, 4)),  # 25 Dec, weekend, 1 Jan skipped (the school holiday counts)
    ],
)
def test_the_decision_is_due_after_the_configured_working_days(world, received, deadline) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    assert submit(world, today=received).decide_by == deadline


@override_settings(SWV_DECISION_WORKING_DAYS=10)
def test_the_number_of_working_days_is_a_setting(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    assert submit(world, today=date(2027, 3, 10)).decide_by == date(2027, 3, 24)


# --- Double submit, who may send ----------------------------------------------------------------------------------


def test_a_double_submit_sends_one_request(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    first = submit(world)
    second = submit(world)
    assert first.pk == second.pk
    assert SwvRequest.objects.count() == 1
    assert AccessLogEntry.objects.filter(object_type="swv_request").count() == 1


def test_a_teacher_cannot_send(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    teacher = teacher_of(world["child"]).user
    with pytest.raises(PermissionDenied):
        services.submit_request(teacher, world["child"], kind="arrangement", question="Hulp", today=TODAY)
    assert not SwvRequest.objects.exists()


def test_a_school_social_worker_cannot_send(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    worker = MembershipFactory(organisation=world["school"], role="school_social_worker").user
    with pytest.raises(PermissionDenied):
        services.submit_request(worker, world["child"], kind="arrangement", question="Hulp", today=TODAY)


def test_another_schools_ib_er_finds_nothing(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    stranger = MembershipFactory(organisation=SchoolFactory(), role="intern_begeleider").user
    with pytest.raises(Http404):
        services.submit_request(stranger, world["child"], kind="arrangement", question="Hulp", today=TODAY)


# --- Withdrawing --------------------------------------------------------------------------------------------------


def test_the_school_withdraws_a_request_not_decided_yet(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    made = submit(world)
    with pytest.raises(ValidationError) as exc:
        services.withdraw_request(world["ib"], made, "", made.version)
    assert "reason" in exc.value.message_dict
    done = services.withdraw_request(world["ib"], made, "Ouders verhuizen.", made.version)
    assert (done.state, done.withdrawn_reason, done.withdrawn_by, done.version) == (
        RequestState.WITHDRAWN,
        "Ouders verhuizen.",
        world["ib"],
        2,
    )
    assert AccessLogEntry.objects.filter(object_type="swv_request", action="update").count() == 1


def test_withdrawing_on_a_stale_version_is_a_conflict(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    made = submit(world)
    SwvRequest.objects.filter(pk=made.pk).update(state=RequestState.PLANNED, version=2)
    with pytest.raises(Conflict):
        services.withdraw_request(world["ib"], made, "Niet meer nodig.", 1)
    made.refresh_from_db()
    assert made.state == RequestState.PLANNED and made.withdrawn_at is None


def test_a_decided_request_cannot_be_withdrawn(world) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    made = submit(world)
    SwvRequest.objects.filter(pk=made.pk).update(state=RequestState.GRANTED)
    with pytest.raises(ValidationError) as exc:
        services.withdraw_request(world["ib"], made, "Toch niet.", made.version)
    assert "state" in exc.value.message_dict
