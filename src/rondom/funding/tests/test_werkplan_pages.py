"""The werkplan pages: the school writes, each side approves once, it counts only with both; a rewrite resets;
others cannot see or act."""

from __future__ import annotations

import pytest
from django.conf import settings

from rondom.funding.models import Werkplan
from tests.factories import MembershipFactory, MunicipalityFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sides():  # type: ignore[no-untyped-def]
    school = SchoolFactory(name="De Esch")
    wijkteam = OrganisationFactory(kind="wijkteam")
    wijkteam.serves_municipalities.add(school.municipality)
    return {
        "school": school,
        "ib": MembershipFactory(organisation=school, role="intern_begeleider").user,
        "worker": MembershipFactory(organisation=wijkteam, role="wijkteam_worker").user,
        "teacher": MembershipFactory(organisation=school, role="teacher").user,
        "stranger": MembershipFactory(
            organisation=OrganisationFactory(kind="wijkteam", municipality=MunicipalityFactory(name="Kampen")),
            role="wijkteam_worker",
        ).user,
    }


def test_written_by_the_school_and_counting_only_with_both_approvals(login, sides) -> None:  # type: ignore[no-untyped-def]
    url = f"/werkplannen/{sides['school'].pk}/"
    ib = login(sides["ib"])
    ib.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "De Esch" in ib.get("/werkplannen/").content.decode()
    empty = ib.post(url, {"text": "  ", "version": 0})
    assert empty.status_code == 400 and not Werkplan.objects.exists()
    assert ib.post(url, {"text": "Wekelijks spreekuur en twee groepstrainingen.", "version": 0}).status_code == 302
    ib.post(url, {"action": "approve", "confirm": "on"})
    plan = Werkplan.objects.get()
    assert plan.school_approved_by == sides["ib"] and not plan.counts
    assert "does not count yet" in ib.get(url).content.decode()
    ib.logout()

    worker = login(sides["worker"])
    worker.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = worker.get(url).content.decode()
    assert "Wekelijks spreekuur" in page and "Approve for the wijkteam" in page and 'name="text"' not in page
    # the school writes its own plan
    assert worker.post(url, {"text": "De wijkteam-versie", "version": 1}).status_code == 403
    worker.post(url, {"action": "approve", "confirm": "on"})
    plan.refresh_from_db()
    assert plan.counts and plan.text.startswith("Wekelijks")
    lines = worker.get("/werkplannen/?format=csv").content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("De Esch;") and lines[1].endswith(";counts")
    worker.logout()

    ib = login(sides["ib"])
    ib.post(url, {"text": "Aangepast: ook ouderavonden.", "version": 1})
    plan.refresh_from_db()
    assert not plan.counts and plan.school_approved_at is None  # a rewrite needs both sides again


def test_others_cannot_see_or_approve_a_werkplan(login, sides) -> None:  # type: ignore[no-untyped-def]
    url = f"/werkplannen/{sides['school'].pk}/"
    assert login(sides["ib"]).post(url, {"text": "Plan", "version": 0}).status_code == 302
    for outsider in ("stranger", "teacher"):
        client = login(sides[outsider])
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "approve"}).status_code == 404
        client.logout()
    assert Werkplan.objects.get().school_approved_at is None


def test_an_approval_asks_for_confirmation_and_without_it_nothing_is_approved(login, sides) -> None:  # type: ignore[no-untyped-def]
    """Issue 14 point 9: an approval cannot be withdrawn, so the form names what is approved next to a required
    "Ik weet dat dit niet terug kan"; unticked, nothing changes and a Dutch message says why; twice changes nothing."""
    url = f"/werkplannen/{sides['school'].pk}/"
    ib = login(sides["ib"])
    ib.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert ib.post(url, {"text": "Wekelijks spreekuur.", "version": 0}).status_code == 302
    form = ib.get(url).content.decode().split('value="approve"')[1].split("</form>")[0]
    assert "U keurt het werkplan hierboven van De Esch" in form and "namens de school" in form
    assert 'name="confirm"' in form and "required" in form and "Ik weet dat dit niet terug kan" in form

    refused = ib.post(url, {"action": "approve", "version": 1}, follow=True)
    assert "Vink aan dat u weet dat uw goedkeuring niet kan worden ingetrokken" in refused.content.decode()
    assert Werkplan.objects.get().school_approved_at is None

    assert ib.post(url, {"action": "approve", "version": 1, "confirm": "on"}).status_code == 302
    approved = Werkplan.objects.values().get()
    assert approved["school_approved_at"] is not None
    ib.post(url, {"action": "approve", "version": 1, "confirm": "on"})  # a double click
    assert Werkplan.objects.values().get() == approved
