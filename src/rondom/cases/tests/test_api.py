"""The case workflow through the REST API: the same rules as the web pages, in JSON, with access-log rows."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from rondom.audit.models import AccessLogEntry
from rondom.cases import api_urls
from rondom.cases.models import AgendaItem, Case, HelpRequest, Meeting, ProviderContact, SocialWorkActivity
from rondom.registry.models import Child
from tests.conftest_helpers import verified_client
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    NoteFactory,
    OrganisationFactory,
    SchoolFactory,
    consent_for,
    teacher_of,
)

pytestmark = pytest.mark.django_db
JSON = "application/json"


def goal(domain: str, text: str) -> dict[str, str]:
    return {"domain": domain, "description": text, "target": "Eind schooljaar", "owner": "mentor"}


def later(days: int = 30) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def reads(user_id: int, child_id: int) -> int:
    return AccessLogEntry.objects.filter(user_id=user_id, child_id=child_id, action__in=["read", "search"]).count()


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    child = ChildFactory()
    GuardianshipFactory(child=child)
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    provider = OrganisationFactory(kind="provider")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    ProviderContact.objects.create(provider=provider, membership=contact, school=child.school)
    return {"child": child, "ib": ib, "provider": provider, "contact": contact.user}


def open_case(client: Client, child: Child) -> dict[str, Any]:
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
    assert conversation.status_code == 200 and conversation.json()["conversation_notes"] == "Moeder herkent het"
    case = client.post(f"{base}/cases/", {"signal": sid, "question": "Wat helpt?"}, content_type=JSON)
    assert case.status_code == 201 and case.json()["state"] == "registered"
    result: dict[str, Any] = case.json()
    return result


def ask_provider(client: Client, world: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    child = world["child"]
    consent = consent_for(child, "provider", world["provider"], ["youth_care"])
    response = client.post(
        f"/api/children/{child.pk}/cases/{case['id']}/help-requests/",
        {
            "kind": "bring_in",
            "provider": world["provider"].pk,
            "question": "Meekijken?",
            "consent": consent.pk,
            "categories": ["youth_care"],
            "ends_on": later(),
        },
        content_type=JSON,
    )
    assert response.status_code == 201
    result: dict[str, Any] = response.json()
    return result


def test_the_ib_runs_a_case_through_the_api(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    child = world["child"]
    case = open_case(client, child)
    url = f"/api/children/{child.pk}/cases/{case['id']}/transitions/"
    step = client.post(url, {"state": "in_discussion"}, content_type=JSON)
    assert step.status_code == 200 and step.json()["state"] == "in_discussion"
    assert step.json()["next_states"] == ["plan_active", "on_hold", "closed"]
    illegal = client.post(url, {"state": "scaled_down"}, content_type=JSON)
    assert illegal.status_code == 400 and "kan niet van" in illegal.json()["state"][0]
    detail = client.get(f"/api/children/{child.pk}/cases/{case['id']}/").json()
    assert [h["state"] for h in detail["history"]] == ["registered", "in_discussion"]


def test_the_case_list_shows_state_and_decision_date_and_filters_by_state(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    case = open_case(client, world["child"])
    listed = client.get("/api/cases/").json()["results"]
    assert [(c["id"], c["child"], c["state"]) for c in listed] == [(case["id"], world["child"].pk, "registered")]
    assert listed[0]["decision_due"] == case["decision_due"]
    assert client.get("/api/cases/?state=closed").json()["results"] == []
    assert len(client.get("/api/cases/?state=registered").json()["results"]) == 1
    bogus = client.get("/api/cases/?state=weg")
    assert bogus.status_code == 400 and "state" in bogus.json()


def test_a_signal_of_another_child_is_unknown_when_registering_a_case(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    sibling = ChildFactory(school=world["child"].school)
    signal = client.post(
        f"/api/children/{sibling.pk}/signals/",
        {"raised_by_kind": "parent", "concerns": ["home"], "description": "Slaapt slecht"},
        content_type=JSON,
    ).json()
    response = client.post(
        f"/api/children/{world['child'].pk}/cases/", {"signal": signal["id"], "question": "?"}, content_type=JSON
    )
    assert response.status_code == 400 and response.json()["signal"][0].startswith("Onbekend")


def test_a_stale_plan_save_is_refused_with_the_changes(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    url = f"/api/children/{world['child'].pk}/plan/"
    assert client.get(url).json()["version"] == 0
    plan = {"goals": [goal("school", "Lezen"), goal("school", "Rekenen")], "includes_treatment": True}
    first = client.put(url, {**plan, "base_version": 0}, content_type=JSON).json()
    assert first["version"] == 1
    mine = [{**first["goals"][0], "description": "Anders lezen"}, first["goals"][1]]
    theirs = [first["goals"][0], {**first["goals"][1], "target": "Kerst"}]
    assert client.put(url, {**plan, "goals": theirs, "base_version": 1}, content_type=JSON).status_code == 200
    stale = client.put(url, {**plan, "goals": mine, "base_version": 1}, content_type=JSON)
    assert stale.status_code == 409
    body = stale.json()
    assert body["current_version"] == 2 and "opgeslagen" in body["detail"]
    assert body["changes"] == [
        {"goal": first["goals"][1]["id"], "change": "changed", "fields": ["target"], "description": "Rekenen"}
    ]
    current = client.get(url).json()
    assert current["goals"][0]["description"] == "Lezen"
    assert [v["number"] for v in current["versions"]] == [1, 2]


def test_a_treatment_plan_with_one_education_goal_is_refused(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    url = f"/api/children/{world['child'].pk}/plan/"
    plan = {"goals": [goal("school", "Lezen"), goal("home", "Slapen")], "includes_treatment": True, "base_version": 0}
    refused = client.put(url, plan, content_type=JSON)
    assert refused.status_code == 400 and "twee onderwijsdoelen" in refused.json()["goals"][0]
    assert client.get(url).json()["version"] == 0


def test_agreements_and_evaluations_follow_the_current_plan(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    url = f"/api/children/{world['child'].pk}/plan/"
    too_early = client.post(f"{url}agreements/", {"capacity": "parent", "person_name": "Olga", "agrees": True})
    assert too_early.status_code == 404  # no plan yet
    plan = client.put(
        url, {"goals": [goal("home", "Slapen")], "includes_treatment": False, "base_version": 0}, content_type=JSON
    ).json()
    agreement = client.post(
        f"{url}agreements/", {"capacity": "parent", "person_name": "Olga", "agrees": True}, content_type=JSON
    )
    assert agreement.status_code == 201 and agreement.json()["version"] == 1
    assert client.get(url).json()["agreements"][0]["person_name"] == "Olga"
    evaluation = client.post(
        f"{url}evaluations/", {"goal_id": plan["goals"][0]["id"], "rater": "parent", "score": 4}, content_type=JSON
    )
    assert evaluation.status_code == 201 and evaluation.json()["evaluated_on"] == date.today().isoformat()
    unknown = client.post(f"{url}evaluations/", {"goal_id": "x", "rater": "parent", "score": 4}, content_type=JSON)
    assert unknown.status_code == 400 and "goal_id" in unknown.json()


def test_a_provider_contact_joins_from_the_inbox_and_sees_only_that_child(world, login) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    ib = login(world["ib"])
    ask_provider(ib, world, open_case(ib, child))
    NoteFactory(child=child, category="youth_care", text="Eerdere behandeling")
    NoteFactory(child=child, category="support", text="Alleen voor school")
    other = ChildFactory(school=child.school)
    NoteFactory(child=other, category="youth_care")
    contact = verified_client(Client(), world["contact"])
    inbox = contact.get("/api/help-requests/inbox/").json()["results"]
    assert [(i["child"], i["given_name"], i["school"]) for i in inbox] == [
        (child.pk, child.given_name, child.school.name)
    ]
    assert inbox[0]["question"] == "Meekijken?" and inbox[0]["joined_at"] is None
    assert contact.get(f"/api/children/{child.pk}/notes/").json() == []  # the request shows who, not the record
    assert contact.get("/api/cases/").json()["results"] == []  # nor the school's case
    joined = contact.post(f"/api/help-requests/{inbox[0]['id']}/join/")
    assert joined.status_code == 200 and joined.json()["joined_at"] is not None
    notes = contact.get(f"/api/children/{child.pk}/notes/").json()
    assert [n["category"] for n in notes] == ["youth_care"]
    assert contact.get(f"/api/children/{other.pk}/notes/").status_code == 404
    assert contact.get(f"/api/children/{other.pk}/").status_code == 404


def test_the_inbox_is_logged_as_a_search_on_the_request_ground(world, login) -> None:  # type: ignore[no-untyped-def]
    ib = login(world["ib"])
    ask_provider(ib, world, open_case(ib, world["child"]))
    contact = verified_client(Client(), world["contact"])
    contact.get("/api/help-requests/inbox/")
    row = AccessLogEntry.objects.get(user_id=world["contact"].pk)
    assert (row.child_id, row.action, row.category, row.ground) == (world["child"].pk, "search", "identity", "request")


def test_the_inbox_shows_open_requests_first_and_hides_the_child_of_a_declined_one(world, login) -> None:  # type: ignore[no-untyped-def]
    ib = login(world["ib"])
    first = ask_provider(ib, world, open_case(ib, world["child"]))
    sibling = ChildFactory(school=world["child"].school)
    second = ask_provider(ib, {**world, "child": sibling}, open_case(ib, sibling))
    contact = verified_client(Client(), world["contact"])
    no_reason = contact.post(f"/api/help-requests/{first['id']}/decline/", {}, content_type=JSON)
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    declined = contact.post(f"/api/help-requests/{first['id']}/decline/", {"reason": "Vol"}, content_type=JSON)
    assert declined.status_code == 200 and declined.json()["closed_at"] is not None
    inbox = contact.get("/api/help-requests/inbox/").json()["results"]
    assert [i["id"] for i in inbox] == [second["id"], first["id"]]
    assert inbox[1]["child_visible"] is False and inbox[1]["given_name"] is None and inbox[1]["child"] is None
    assert AccessLogEntry.objects.filter(user_id=world["contact"].pk, action="search", child_id=sibling.pk).count() == 1
    assert not AccessLogEntry.objects.filter(user_id=world["contact"].pk, action="read", child_id=world["child"].pk)


def test_only_the_addressed_contact_acts_on_a_request(world, login) -> None:  # type: ignore[no-untyped-def]
    ib = login(world["ib"])
    request = ask_provider(ib, world, open_case(ib, world["child"]))
    colleague = MembershipFactory(organisation=world["provider"], role="provider_contact").user
    other = verified_client(Client(), colleague)
    for action in ("first-contact", "join", "decline"):
        assert other.post(f"/api/help-requests/{request['id']}/{action}/", {}, content_type=JSON).status_code == 404
    assert other.get("/api/help-requests/inbox/").json()["results"] == []
    contact = verified_client(Client(), world["contact"])
    reached = contact.post(f"/api/help-requests/{request['id']}/first-contact/")
    assert reached.status_code == 200 and reached.json()["first_contact_at"] is not None
    assert HelpRequest.objects.get(pk=request["id"]).joined_at is None


def test_a_bring_in_needs_consent_of_this_child(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    case = open_case(client, world["child"])
    url = f"/api/children/{world['child'].pk}/cases/{case['id']}/help-requests/"
    body = {
        "kind": "bring_in",
        "provider": world["provider"].pk,
        "question": "?",
        "categories": ["youth_care"],
        "ends_on": later(),
    }
    missing = client.post(url, body, content_type=JSON)
    assert missing.status_code == 400 and "consent" in missing.json()
    elsewhere = consent_for(ChildFactory(), "provider", world["provider"], ["youth_care"])
    borrowed = client.post(url, {**body, "consent": elsewhere.pk}, content_type=JSON)
    assert borrowed.status_code == 400 and borrowed.json()["consent"][0].startswith("Onbekend")
    assert not HelpRequest.objects.exists()


def test_a_professional_of_another_school_gets_404_on_every_child_route(world, login) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    ib = login(world["ib"])
    case = open_case(ib, child)
    ib.put(
        f"/api/children/{child.pk}/plan/",
        {"goals": [goal("home", "Slapen")], "includes_treatment": False, "base_version": 0},
        content_type=JSON,
    )
    item = AgendaItem.objects.create(
        meeting=Meeting.objects.create(team=Case.objects.get(pk=case["id"]).team, date=date.today()),
        case_id=case["id"],
    )
    values = {"child_id": child.pk, "case_id": case["id"], "signal_id": case["signal"], "item_id": item.pk}
    stranger_user = MembershipFactory(organisation=SchoolFactory(), role="intern_begeleider").user
    stranger = verified_client(Client(), stranger_user)
    routes = [p for p in api_urls.urlpatterns if isinstance(p, URLPattern) and "child_id" in str(p.pattern)]
    assert len(routes) >= 11
    for route in routes:
        url = "/api/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), str(route.pattern))
        answers = {
            method: getattr(stranger, method)(url, {"state": "closed"}, content_type=JSON).status_code
            for method in ("get", "post", "put", "patch", "delete")
        }
        assert set(answers.values()) <= {404, 405}, f"{url}: {answers}"
        assert 404 in answers.values(), f"{url}: {answers}"
    assert stranger.get("/api/cases/").json()["results"] == []
    assert not AccessLogEntry.objects.filter(user_id=stranger_user.pk).exists()
    assert Case.objects.get(pk=case["id"]).state == "registered"


def test_every_read_writes_an_access_log_row(world, login) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    ib_user = world["ib"]
    client = login(ib_user)
    case = open_case(client, child)
    item = AgendaItem.objects.create(
        meeting=Meeting.objects.create(team=Case.objects.get(pk=case["id"]).team, date=date.today()),
        case_id=case["id"],
    )
    minutes = f"/api/children/{child.pk}/agenda-items/{item.pk}/minutes/"
    assert (
        client.put(minutes, {"minutes": "Afspraken", "present": [], "version": 1}, content_type=JSON).status_code == 200
    )
    for url in (
        f"/api/children/{child.pk}/signals/",
        f"/api/children/{child.pk}/cases/{case['id']}/",
        f"/api/children/{child.pk}/plan/",
        minutes,
        "/api/cases/",
    ):
        before = reads(ib_user.pk, child.pk)
        assert client.get(url).status_code == 200
        assert reads(ib_user.pk, child.pk) == before + 1, url
    search = AccessLogEntry.objects.filter(user_id=ib_user.pk, action="search").get()
    assert (search.child_id, search.category, search.ground) == (child.pk, "support", "school_role")


def test_actions_and_minutes_through_the_api(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    child = world["child"]
    case = open_case(client, child)
    owner = teacher_of(child)
    action = client.post(
        f"/api/children/{child.pk}/cases/{case['id']}/actions/",
        {"description": "Observatie in de klas", "owner": owner.pk, "due": later(7)},
        content_type=JSON,
    )
    assert action.status_code == 201 and action.json()["status"] == "open"
    assert client.get(f"/api/children/{child.pk}/cases/{case['id']}/").json()["actions"][0]["owner"] == owner.pk
    team_case = Case.objects.get(pk=case["id"])
    item = AgendaItem.objects.create(
        meeting=Meeting.objects.create(team=team_case.team, date=date.today()), case=team_case
    )
    url = f"/api/children/{child.pk}/agenda-items/{item.pk}/minutes/"
    body = {"minutes": "Afspraken gemaakt", "present": [], "version": 1}
    assert client.put(url, body, content_type=JSON).status_code == 200
    assert client.get(url).json()["minutes"] == "Afspraken gemaakt"
    absent = verified_client(Client(), owner.user)
    assert absent.get(url).status_code == 403


def test_a_school_social_worker_logs_an_activity_for_a_case_in_scope(world, login) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    case = open_case(login(world["ib"]), child)
    smw = MembershipFactory(organisation=child.school, role="school_social_worker").user
    client = verified_client(Client(), smw)
    body = {"school": child.school.pk, "role": "short_support", "hours": "1.5", "date": date.today().isoformat()}
    logged = client.post("/api/social-work/activities/", {**body, "case": case["id"]}, content_type=JSON)
    assert logged.status_code == 201 and logged.json()["case"] == case["id"] and logged.json()["hours"] == "1.50"
    row = AccessLogEntry.objects.get(user_id=smw.pk)
    assert (row.child_id, row.action, row.object_type) == (child.pk, "create", "social_work_activity")
    elsewhere = Case.objects.create(
        child=ChildFactory(), team=Case.objects.get(pk=case["id"]).team, question="?", decision_due=date.today()
    )
    hidden = client.post("/api/social-work/activities/", {**body, "case": elsewhere.pk}, content_type=JSON)
    assert hidden.status_code == 400 and hidden.json()["case"][0].startswith("Onbekend")
    too_long = client.post("/api/social-work/activities/", {**body, "hours": "30"}, content_type=JSON)
    assert too_long.status_code == 400 and "hours" in too_long.json()
    assert SocialWorkActivity.objects.count() == 1


def test_only_school_social_workers_log_activities(world, login) -> None:  # type: ignore[no-untyped-def]
    body = {"school": world["child"].school.pk, "role": "consultation", "hours": "1", "date": date.today().isoformat()}
    assert login(world["ib"]).post("/api/social-work/activities/", body, content_type=JSON).status_code == 403
    assert not SocialWorkActivity.objects.exists()
