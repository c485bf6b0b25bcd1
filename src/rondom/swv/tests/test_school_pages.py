"""The school's and the family's pages of a request to the samenwerkingsverband (issue 16, part 3): the ib'er sends
from the form, a teacher and another school cannot, the parents and the support team see the decision with the
right to object."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from rondom.access import services as access_services
from rondom.audit.models import AccessLogEntry
from rondom.swv import services
from rondom.swv.models import RequestKind, RequestState, SwvRequest
from tests.factories import MembershipFactory, OrganisationFactory, SchoolFactory, consent_for, teacher_of

from .test_school_requests import TODAY, build_world, swv_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):  # type: ignore[no-untyped-def]
    return build_world(settings, tmp_path)


@pytest.fixture(autouse=True)
def _pinned():  # type: ignore[no-untyped-def]
    with time_machine.travel(timezone.make_aware(timezone.datetime(2027, 3, 10, 10, 0)), tick=False):
        yield


def _granted(world) -> SwvRequest:  # type: ignore[no-untyped-def]
    made = services.submit_request(
        world["ib"], world["child"], kind=RequestKind.TLV, question="TLV so graag.", case=world["case"], today=TODAY
    )
    SwvRequest.objects.filter(pk=made.pk).update(
        state=RequestState.GRANTED,
        decided_at=timezone.now(),
        beschikkingsnummer="SWV-2027-0042",
        tlv_category="medium",
        valid_from=date(2027, 4, 1),
        valid_until=date(2029, 7, 31),
        decision_reason="Beide deskundigen adviseren speciaal basisonderwijs.",
    )
    return SwvRequest.objects.get(pk=made.pk)


def test_the_ib_er_sends_a_request_from_the_form(world, login) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    client = login(world["ib"])
    url = f"/kinderen/{world['child'].pk}/swv-aanvraag/nieuw/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Kleine groep, korte instructie" in text  # the OPP shown read-only, as it is sent
    assert "Past deze leerling nog in de groep?" in text  # the question filled from the case
    response = client.post(
        url,
        {"action": "submit", "kind": "arrangement", "question": "Arrangement graag.", "funding_requested": "4500,50"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    made = SwvRequest.objects.get()
    assert made.funding_requested == Decimal("4500.50")
    listing = client.get(f"/kinderen/{world['child'].pk}/swv-aanvraag/")
    assert listing.status_code == 200 and "Arrangement graag." in listing.content.decode()


def test_a_refused_request_shows_the_form_again_as_typed(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])  # no consent recorded
    response = client.post(
        f"/kinderen/{world['child'].pk}/swv-aanvraag/nieuw/",
        {"action": "submit", "kind": "tlv", "question": "Mijn eigen vraag."},
    )
    assert response.status_code == 400
    assert "Mijn eigen vraag." in response.content.decode()
    assert not SwvRequest.objects.exists()


def test_the_parents_release_is_recorded_from_the_form(world, login) -> None:  # type: ignore[no-untyped-def]
    consent = swv_consent(world["child"], world["swv"])
    client = login(world["ib"])
    url = f"/kinderen/{world['child'].pk}/swv-aanvraag/nieuw/"
    response = client.post(url, {"action": "release", "consent": consent.pk, "documents": [world["document"].pk]})
    assert response.status_code == 302
    assert services.released(consent)[0] == {world["document"].pk}
    response = client.post(
        url, {"action": "submit", "kind": "consultation", "question": "MDO graag.", "documents": [world["document"].pk]}
    )
    assert response.status_code == 302
    assert SwvRequest.objects.get().documents.get().family_document == world["document"]


def test_a_teacher_cannot_open_the_form_or_send(world, login) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    client = login(teacher_of(world["child"]).user)
    url = f"/kinderen/{world['child'].pk}/swv-aanvraag/nieuw/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "submit", "kind": "arrangement", "question": "X"}).status_code == 403
    assert not SwvRequest.objects.exists()


def test_another_schools_ib_er_gets_404(world, login) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    made = _granted(world)
    client = login(MembershipFactory(organisation=SchoolFactory(), role="intern_begeleider").user)
    child = world["child"].pk
    assert client.get(f"/kinderen/{child}/swv-aanvraag/").status_code == 404
    assert client.get(f"/kinderen/{child}/swv-aanvraag/nieuw/").status_code == 404
    assert (
        client.post(f"/kinderen/{child}/swv-aanvraag/{made.pk}/intrekken/", {"reason": "x", "version": 1}).status_code
        == 404
    )


def test_the_parents_see_the_decision_and_their_right_to_object(world, login) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    made = _granted(world)
    client = login(world["parent"])
    child_page = client.get(f"/portaal/kind/{world['child'].pk}/")
    assert f"/portaal/kind/{world['child'].pk}/samenwerkingsverband/" in child_page.content.decode()
    before = AccessLogEntry.objects.count()
    page = client.get(f"/portaal/kind/{world['child'].pk}/samenwerkingsverband/")
    assert page.status_code == 200
    text = page.content.decode()
    assert made.beschikkingsnummer in text
    assert "Beide deskundigen adviseren" in text
    assert "6:7" in text and "Landelijke Geschillencommissie Passend Onderwijs" in text
    row = AccessLogEntry.objects.filter(pk__gt=0).order_by("-seq").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert (row.object_type, row.ground) == ("portal_swv_requests", "parent")


def test_another_parent_gets_404_in_the_portal(world, login) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import GuardianshipFactory

    other = GuardianshipFactory().user
    assert login(other).get(f"/portaal/kind/{world['child'].pk}/samenwerkingsverband/").status_code == 404


def test_a_provider_in_the_support_team_sees_the_decision_on_the_case_page(world, login) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    made = _granted(world)
    provider = OrganisationFactory(kind="provider")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    consent = consent_for(world["child"], "support_team", provider, ["support"])
    access_services.add_team_member(world["ib"], world["child"], contact, consent)
    page = login(contact.user).get(f"/kinderen/{world['child'].pk}/casus/")
    assert page.status_code == 200
    text = page.content.decode()
    assert made.beschikkingsnummer in text
    assert "swv-aanvraag/nieuw" not in text  # a provider does not send requests


def test_the_school_withdraws_from_the_list(world, login) -> None:  # type: ignore[no-untyped-def]
    swv_consent(world["child"], world["swv"])
    made = services.submit_request(
        world["ib"], world["child"], kind="consultation", question="MDO.", case=world["case"], today=TODAY
    )
    client = login(world["ib"])
    url = f"/kinderen/{world['child'].pk}/swv-aanvraag/{made.pk}/intrekken/"
    stale = client.post(url, {"reason": "Niet meer nodig.", "version": 7})
    assert stale.status_code == 409
    assert "Niet meer nodig." in stale.content.decode()
    done = client.post(url, {"reason": "Niet meer nodig.", "version": made.version})
    assert done.status_code == 302
    made.refresh_from_db()
    assert made.state == RequestState.WITHDRAWN


def test_the_pages_read_as_dutch_without_code_words(world, login) -> None:  # type: ignore[no-untyped-def]
    from django.utils.html import strip_tags

    from tests.dutch_text import code_words, text_problems

    world["plan"].content["opp"]["handelingsdeel"][0]["hours_per_week"] = "2.5"
    world["plan"].save()
    swv_consent(world["child"], world["swv"])
    made = _granted(world)
    SwvRequest.objects.filter(pk=made.pk).update(funding_granted=Decimal("12500.50"))
    child = world["child"].pk
    pages = [
        ("ib", f"/kinderen/{child}/swv-aanvraag/nieuw/"),
        ("ib", f"/kinderen/{child}/swv-aanvraag/"),
        ("ib", f"/kinderen/{child}/casus/"),
        ("parent", f"/portaal/kind/{child}/samenwerkingsverband/"),
    ]
    for who, url in pages:
        response = login(world[who]).get(url)
        assert response.status_code == 200, url
        body = response.content.decode().split("<main", 1)[-1]
        assert text_problems(strip_tags(body), code_words()) == [], url


def test_the_parents_release_a_document_themselves_in_the_portal(world, login) -> None:  # type: ignore[no-untyped-def]
    url = f"/portaal/kind/{world['child'].pk}/samenwerkingsverband/"
    client = login(world["parent"])
    assert (
        "verslag-psycholoog.pdf" not in client.get(url).content.decode()
    )  # no consent for the SWV: nothing to release
    consent = swv_consent(world["child"], world["swv"])
    page = client.get(url).content.decode()
    assert "verslag-psycholoog.pdf" in page
    response = client.post(url, {"documents": [str(world["document"].pk)]})
    assert response.status_code == 302
    assert services.released(consent)[0] == {world["document"].pk}
    row = AccessLogEntry.objects.filter(object_type="swv_document_release").get()
    assert (row.action, row.ground) == ("create", "parent")
    # The school can now attach it.
    made = services.submit_request(
        world["ib"],
        world["child"],
        kind="consultation",
        question="MDO.",
        document_ids=[world["document"].pk],
        today=TODAY,
    )
    assert made.documents.get().family_document == world["document"]


def test_a_youth_of_16_decides_alone_so_a_parent_cannot_release(world) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from django.core.exceptions import PermissionDenied

    world["child"].date_of_birth = date(2010, 1, 5)
    world["child"].save()
    consent = swv_consent(world["child"], world["swv"])
    found = SimpleNamespace(child=world["child"], capacity="parent", decision=None)
    with pytest.raises(PermissionDenied):
        services.release_by_family(
            world["parent"], found, consent_id=consent.pk, document_ids=[world["document"].pk], today=TODAY
        )


def test_the_ib_er_records_the_parents_consent_for_the_samenwerkingsverband_on_the_consent_page(world, login) -> None:  # type: ignore[no-untyped-def]
    from rondom.consent.models import Consent

    client = login(world["ib"])
    url = f"/kinderen/{world['child'].pk}/toestemming/"
    page = client.get(url).content.decode()
    assert world["swv"].name in page  # selectable as recipient
    guardianship = world["child"].guardianships.get()
    response = client.post(
        url,
        {
            "purpose": "swv",
            "categories": ["identity", "support"],
            "recipient": world["swv"].pk,
            "parents": [str(guardianship.pk)],
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(purpose="swv")
    assert consent.recipient == world["swv"]
    assert services.swv_consents(world["child"], world["swv"], timezone.localdate()) == [consent]
