"""The case workflow through the REST API: the same rules as the web pages, in JSON, with access-log rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rondom.audit.models import AccessLogEntry
from rondom.cases.models import ProviderContact
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    NoteFactory,
    OrganisationFactory,
    SchoolFactory,
    consent_for,
)

pytestmark = pytest.mark.django_db
JSON = "application/json"


def goal(domain: str, text: str) -> dict[str, str]:
    return {"domain": domain, "description": text, "target": "Eind schooljaar", "owner": "mentor"}


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    child = ChildFactory()
    GuardianshipFactory(child=child)
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    provider = OrganisationFactory(kind="provider")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    ProviderContact.objects.create(provider=provider, membership=contact, school=child.school)
    return {"child": child, "ib": ib, "provider": provider, "contact": contact.user}


def open_case(client, child) -> dict:  # type: ignore[no-untyped-def]
    base = f"/api/children/{child.pk}"
    signal = client.post(
        f"{base}/signals/",
        {"raised_by_kind": "teacher", "concerns": ["behaviour"], "description": "Onrustig in de klas"},
        content_type=JSON,
    )
    assert signal.status_code == 201
    sid = signal.json()["id"]
    early = client.post(f"{base}/cases/", {"signal": sid, "question": "Wat helpt?"}, content_type=JSON)
    assert early.status_code == 400 and "signal" in early.json()
    conversation = client.post(
        f"{base}/signals/{sid}/conversation/",
        {"conversation_on": date.today().isoformat(), "conversation_notes": "Moeder herkent het"},
        content_type=JSON,
    )
    assert conversation.status_code == 200
    case = client.post(f"{base}/cases/", {"signal": sid, "question": "Wat helpt?"}, content_type=JSON)
    assert case.status_code == 201 and case.json()["state"] == "registered"
    return case.json()


def test_the_ib_runs_a_case_through_the_api(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    child = world["child"]
    case = open_case(client, child)
    url = f"/api/children/{child.pk}/cases/{case['id']}/transitions/"
    step = client.post(url, {"state": "in_discussion"}, content_type=JSON)
    assert step.status_code == 200 and step.json()["next_states"] == ["plan_active", "on_hold", "closed"]
    illegal = client.post(url, {"state": "scaled_down"}, content_type=JSON)
    assert illegal.status_code == 400 and "kan niet van" in illegal.json()["state"][0]
    detail = client.get(f"/api/children/{child.pk}/cases/{case['id']}/").json()
    assert [h["state"] for h in detail["history"]] == ["registered", "in_discussion"]
    assert client.get("/api/cases/").json()[0]["id"] == case["id"]
    assert AccessLogEntry.objects.filter(child_id=child.pk, action="search", user_id=world["ib"].pk).exists()


def test_plan_rules_and_conflicts_through_the_api(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    url = f"/api/children/{world['child'].pk}/plan/"
    one = {"goals": [goal("school", "Lezen"), goal("home", "Slapen")], "includes_treatment": True, "base_version": 0}
    refused = client.put(url, one, content_type=JSON)
    assert refused.status_code == 400 and "goals" in refused.json()
    two = {**one, "goals": [goal("school", "Lezen"), goal("school", "Rekenen")]}
    assert client.put(url, two, content_type=JSON).json()["version"] == 1
    assert client.put(url, {**two, "base_version": 1}, content_type=JSON).status_code == 200
    changed = [goal("school", "Anders lezen"), goal("school", "Rekenen")]
    stale = client.put(url, {**two, "goals": changed, "base_version": 1}, content_type=JSON)
    assert stale.status_code == 409 and stale.json()["current_version"] == 2 and "changes" in stale.json()
    agreement = client.post(
        f"{url}agreements/", {"capacity": "parent", "person_name": "Olga", "agrees": True}, content_type=JSON
    )
    assert agreement.status_code == 201 and agreement.json()["version"] == 2
    assert client.get(url).json()["agreements"][0]["person_name"] == "Olga"


def test_bringing_in_a_provider_through_the_api(world, login, client) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    from tests.conftest_helpers import verified_client

    child = world["child"]
    ib = login(world["ib"])
    case = open_case(ib, child)
    consent = consent_for(child, "provider", world["provider"], ["youth_care"])
    NoteFactory(child=child, category="youth_care", text="Eerdere behandeling")
    other = ChildFactory(school=SchoolFactory())
    request = ib.post(
        f"/api/children/{child.pk}/cases/{case['id']}/help-requests/",
        {
            "kind": "bring_in",
            "provider": world["provider"].pk,
            "question": "Meekijken?",
            "consent": consent.pk,
            "categories": ["youth_care"],
            "ends_on": (date.today() + timedelta(days=30)).isoformat(),
        },
        content_type=JSON,
    )
    assert request.status_code == 201
    contact = verified_client(Client(), world["contact"])
    inbox = contact.get("/api/help-requests/inbox/").json()
    assert [i["given_name"] for i in inbox] == [child.given_name]
    assert contact.get(f"/api/children/{child.pk}/notes/").json() == []
    assert contact.post(f"/api/help-requests/{inbox[0]['id']}/join/").status_code == 200
    notes = contact.get(f"/api/children/{child.pk}/notes/").json()
    assert [n["category"] for n in notes] == ["youth_care"]
    assert contact.get(f"/api/children/{other.pk}/").status_code == 404


def test_a_bring_in_without_consent_is_refused(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    case = open_case(client, world["child"])
    response = client.post(
        f"/api/children/{world['child'].pk}/cases/{case['id']}/help-requests/",
        {
            "kind": "bring_in",
            "provider": world["provider"].pk,
            "question": "?",
            "categories": ["youth_care"],
            "ends_on": (date.today() + timedelta(days=30)).isoformat(),
        },
        content_type=JSON,
    )
    assert response.status_code == 400 and "consent" in response.json()


def test_a_professional_of_another_school_gets_404_everywhere(world, login) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    stranger = login(MembershipFactory(role="intern_begeleider").user)
    for url in (
        f"/api/children/{child.pk}/signals/",
        f"/api/children/{child.pk}/plan/",
        f"/api/children/{child.pk}/cases/",
    ):
        assert stranger.get(url).status_code in (404, 405)
        assert stranger.post(url, {}, content_type=JSON).status_code in (404, 405)
    assert stranger.get("/api/cases/").json() == []


def test_actions_and_minutes_through_the_api(world, login) -> None:  # type: ignore[no-untyped-def]
    from rondom.cases.models import AgendaItem, Case, Meeting

    client = login(world["ib"])
    child = world["child"]
    case = open_case(client, child)
    owner = MembershipFactory(organisation=child.school, role="teacher")
    action = client.post(
        f"/api/children/{child.pk}/cases/{case['id']}/actions/",
        {
            "description": "Observatie in de klas",
            "owner": owner.pk,
            "due": (date.today() + timedelta(days=7)).isoformat(),
        },
        content_type=JSON,
    )
    assert action.status_code == 201 and action.json()["status"] == "open"
    team_case = Case.objects.get(pk=case["id"])
    item = AgendaItem.objects.create(
        meeting=Meeting.objects.create(team=team_case.team, date=date.today()), case=team_case
    )
    url = f"/api/children/{child.pk}/agenda-items/{item.pk}/minutes/"
    assert client.put(url, {"minutes": "Afspraken gemaakt", "present": []}, content_type=JSON).status_code == 200
    assert client.get(url).json()["minutes"] == "Afspraken gemaakt"
    from django.test import Client

    from tests.conftest_helpers import verified_client

    absent = verified_client(Client(), owner.user)
    assert absent.get(url).status_code == 403
