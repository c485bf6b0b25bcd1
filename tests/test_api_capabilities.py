"""An API for every capability that has pages (issue 15, part 6): absence signals, the thuiszitter register and
its ladder, the funding and monitoring figures, the questionnaires, the family's own portal data and the
notifications. Each endpoint: in scope 200 with the page's content; outside scope the neutral 404; a role that
may only read (or not at all) 403 on a write; bad input 400 naming the field in Dutch; the access log gets the
page's rows; aggregates withhold small cells as the pages do; marking read twice changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from rondom.attendance.models import AbsenceProtocol, ThresholdSignal
from rondom.audit.models import AccessLogEntry
from rondom.cases.models import Plan
from rondom.config import scopes
from rondom.funding.models import Pilot
from rondom.notifications.models import Notification
from rondom.thuiszitters import services as thuiszitters
from rondom.thuiszitters.models import Thuiszitter
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    SchoolFactory,
    consent_for,
    teacher_of,
)
from tests.test_routes_guarded import ROUTES

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
TODAY = NOW.date()
JSON = "application/json"
NOT_FOUND = {"detail": "Niet gevonden."}


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world() -> dict[str, Any]:
    """One pupil at one school in Zwolle: the intern begeleider, a teacher (reads support, not absence), the
    parent, leerplicht serving Zwolle, the gemeente's policy officer, and an intern begeleider elsewhere."""
    zwolle = MunicipalityFactory(name="Zwolle")
    school = SchoolFactory(name="De Regenboog", municipality=zwolle)
    child = ChildFactory(school=school, home_municipality=zwolle, date_of_birth=date(2017, 1, 5))
    leerplicht = OrganisationFactory(kind="leerplicht", name="Leerplicht")
    leerplicht.serves_municipalities.add(zwolle)
    gemeente = OrganisationFactory(kind="municipality", name="Gemeente Zwolle", municipality=zwolle)
    return {
        "child": child,
        "school": school,
        "ib": MembershipFactory(organisation=school, role="intern_begeleider").user,
        "teacher": teacher_of(child).user,  # teaches the child's group (issue 15)
        "parent": GuardianshipFactory(child=child).user,
        "lpa": MembershipFactory(organisation=leerplicht, role="leerplicht_officer").user,
        "officer": MembershipFactory(organisation=gemeente, role="policy_officer").user,
        "stranger": MembershipFactory(organisation=SchoolFactory(), role="intern_begeleider").user,
    }


def _rows(user: Any, after: int = 0) -> list[tuple[str, str, str, int, str]]:
    return [
        (r.action, r.category, r.ground, r.child_id, r.object_type)
        for r in AccessLogEntry.objects.filter(user_id=user.pk, seq__gt=after).order_by("seq")
    ]


def _last() -> int:
    last = AccessLogEntry.objects.order_by("-seq").first()
    return last.seq if last else 0


# --- Every new view names its scopes ------------------------------------------------------------------------------

#: Every scope a machine client can hold (rondom.config.scopes), and the portal's, which no client gets.
SCOPES = {*scopes.SCOPES, "portal"}
NEW_MODULES = ("attendance", "thuiszitters", "funding", "monitoring", "feedback", "portal", "notifications")


def test_every_new_api_view_names_its_oauth_scopes() -> None:
    """django-oauth-toolkit's TokenHasScope reads ``required_scopes``: every endpoint of part 6 names one scope,
    a read scope on reads only (a write needs a ``:write`` scope), the portal's the scope no client gets."""
    found = {}
    for _path, name, callback in ROUTES:
        view = getattr(callback, "cls", None)
        if view is None or not view.__module__.startswith(tuple(f"rondom.{m}.api" for m in NEW_MODULES)):
            continue
        scopes = getattr(view, "required_scopes", None)
        assert scopes and set(scopes) <= SCOPES, name
        found[name] = scopes
        writes = {m for m in ("post", "put", "patch", "delete") if hasattr(view, m)}
        if writes and not view.__module__.endswith(("notifications.api", "portal.api")) and "portal" not in scopes:
            assert all(s.endswith(":write") for s in scopes), name
    assert len(found) >= 25
    assert found["api-portal-children"] == ["portal"] and found["api-thuiszitter-visit"] == ["thuiszitters:write"]


# --- Absence signals -------------------------------------------------------------------------------------------------


@pytest.fixture
def signal(world) -> ThresholdSignal:  # type: ignore[no-untyped-def]
    return ThresholdSignal.objects.create(
        child=world["child"],
        protocol=AbsenceProtocol.objects.first(),
        role="intern_begeleider",
        period_start=TODAY - timedelta(days=28),
        crossed_on=TODAY - timedelta(days=7),
        value=16,
        due_on=TODAY - timedelta(days=1),
    )


def test_absence_signals_list_and_detail_as_the_pages_with_their_rows(login, world, signal) -> None:  # type: ignore[no-untyped-def]
    ib, child = world["ib"], world["child"]
    client = login(ib)
    body = client.get("/api/absence-signals/").json()
    assert body["count"] == 1 and body["results"][0]["id"] == signal.pk and body["results"][0]["overdue"] is True
    assert _rows(ib) == [("search", "absence", "school_role", child.pk, "child")]
    before = _last()
    detail = client.get(f"/api/children/{child.pk}/absence-signals/{signal.pk}/")
    assert detail.status_code == 200 and detail.json()["value"] == "16.0"
    assert _rows(ib, before) == [("read", "absence", "school_role", child.pk, "absence_signal")]
    absence = client.get(f"/api/children/{child.pk}/absence/").json()
    assert [s["id"] for s in absence["signals"]] == [signal.pk]
    assert client.get("/api/absence-signals/?status=handled").json()["count"] == 0


def test_absence_signals_outside_scope_are_not_found_and_unlisted(login, world, signal) -> None:  # type: ignore[no-untyped-def]
    client = login(world["stranger"])
    assert client.get("/api/absence-signals/").json()["count"] == 0
    response = client.get(f"/api/children/{world['child'].pk}/absence-signals/{signal.pk}/")
    assert response.status_code == 404 and response.json() == NOT_FOUND
    assert _rows(world["stranger"]) == []


def test_handling_a_signal_as_the_page_refused_for_a_teacher_dutch_on_bad_input(login, world, signal) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/children/{world['child'].pk}/absence-signals/{signal.pk}/handle/"
    assert login(world["teacher"]).post(url, {"note": "Gebeld."}, content_type=JSON).status_code == 403
    client = login(world["ib"])
    empty = client.post(url, {"note": ""}, content_type=JSON)
    assert empty.status_code == 400 and "note" in empty.json() and "leeg" in empty.json()["note"][0]
    done = client.post(url, {"note": "Ouders uitgenodigd."}, content_type=JSON)
    assert done.status_code == 200 and done.json()["handled_note"] == "Ouders uitgenodigd."
    again = client.post(url, {"note": "Nog eens."}, content_type=JSON)
    assert again.status_code == 400 and again.json() == {"non_field_errors": ["Dit signaal is al afgehandeld."]}
    signal.refresh_from_db()
    assert signal.handled_note == "Ouders uitgenodigd."


# --- The thuiszitter register and its ladder -------------------------------------------------------------------------


@pytest.fixture
def period(world) -> Thuiszitter:  # type: ignore[no-untyped-def]
    return thuiszitters.register(
        world["ib"], world["child"], kind="relative", reason="waiting_care", started_on=TODAY - timedelta(days=30)
    )


def test_the_register_and_a_file_as_the_pages_with_their_rows(login, world, period) -> None:  # type: ignore[no-untyped-def]
    ib, child = world["ib"], world["child"]
    client = login(ib)
    before = _last()
    listed = client.get("/api/thuiszitters/").json()
    assert [p["id"] for p in listed["results"]] == [period.pk] and listed["results"][0]["days_at_home"] == 30
    assert _rows(ib, before) == [("search", "absence", "school_role", child.pk, "child")]
    before = _last()
    file = client.get(f"/api/children/{child.pk}/thuiszitters/{period.pk}/").json()
    assert file["period"]["level_rank"] == 1 and file["ladder"][0]["rank"] == 1
    assert _rows(ib, before) == [("read", "absence", "school_role", child.pk, "thuiszitter")]
    stranger = login(world["stranger"])
    assert stranger.get("/api/thuiszitters/").json()["count"] == 0
    assert stranger.get(f"/api/children/{child.pk}/thuiszitters/{period.pk}/").json() == NOT_FOUND


def test_a_step_on_the_ladder_where_the_page_allows_it(login, world, period) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    url = f"/api/children/{child.pk}/thuiszitters/{period.pk}/visit/"
    # The teacher may not read the child's absence: no step at all.
    assert login(world["teacher"]).post(url, {"visited_on": "2026-03-09"}, content_type=JSON).status_code == 403
    lpa = login(world["lpa"])
    future = lpa.post(url, {"visited_on": "2026-03-11"}, content_type=JSON)
    assert future.status_code == 400 and future.json() == {"visited_on": ["De datum ligt in de toekomst."]}
    wrong = lpa.post(url, {"visited_on": "morgen"}, content_type=JSON)
    assert wrong.status_code == 400 and list(wrong.json()) == ["visited_on"]
    before = _last()
    done = lpa.post(url, {"visited_on": "2026-03-09", "note": "Huisbezoek."}, content_type=JSON)
    assert done.status_code == 200 and [v["note"] for v in done.json()["visits"]] == ["Huisbezoek."]
    assert [r[4] for r in _rows(world["lpa"], before)] == ["leerplicht_visit"]
    assert period.visits.count() == 1


def test_registering_twice_is_a_conflict_and_a_teacher_may_not_register(login, world, period) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/children/{world['child'].pk}/thuiszitters/"
    body = {"kind": "relative", "reason": "refusal", "started_on": "2026-02-01"}
    assert login(world["teacher"]).post(url, body, content_type=JSON).status_code == 403
    again = login(world["ib"]).post(url, body, content_type=JSON)
    assert again.status_code == 409 and again.json()["detail"]
    bad = login(world["ib"]).post(url, {**body, "kind": "soms"}, content_type=JSON)
    assert bad.status_code == 400 and list(bad.json()) == ["kind"]
    assert Thuiszitter.objects.filter(child=world["child"]).count() == 1


def test_the_overview_withholds_small_cells_as_the_page(login, world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_MONITORING_MIN_CELL = 5
    zwolle, school = world["child"].home_municipality, world["school"]
    for _n in range(2):
        child = ChildFactory(school=school, home_municipality=zwolle)
        thuiszitters.register(world["lpa"], child, kind="relative", reason="no_place", started_on=TODAY)
    client = login(world["officer"])
    body = client.get("/api/thuiszitters/overview/").json()
    row = next(r for r in body["rows"] if r["name"] == "De Regenboog")
    assert row["relative"] == "<5" and row["mean_days"] == "<5" and body["total"]["relative"] == "<5"
    assert AccessLogEntry.objects.filter(user_id=world["officer"].pk, object_type="thuiszitter_overview").count() == 1
    assert login(world["teacher"]).get("/api/thuiszitters/overview/").status_code == 403


# --- Funding and monitoring ------------------------------------------------------------------------------------------


def test_funding_figures_for_policy_staff_only(login, world) -> None:  # type: ignore[no-untyped-def]
    client = login(world["officer"])
    allocation = client.get("/api/funding/allocation/")
    assert allocation.status_code == 200
    assert allocation.json()["status"] == "Nog niet berekend" and allocation.json()["allocation"] is None
    pilots = client.get("/api/funding/pilots/").json()
    assert pilots["count"] == Pilot.objects.count() >= 1
    assert login(world["ib"]).get("/api/funding/allocation/").status_code == 403
    assert login(world["ib"]).get("/api/funding/pilots/").status_code == 403


def test_monitoring_withholds_a_figure_that_rests_on_too_few(login, world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_MONITORING_MIN_CELL = 10
    pilot = Pilot.objects.get(kind="specific_care")
    pilot.schools.add(world["school"])
    for _n in range(6):
        child = ChildFactory(school=world["school"], home_municipality=world["child"].home_municipality)
        Thuiszitter.objects.create(
            child=child, kind="relative", reason="other", started_on=date(2025, 9, 1), school=world["school"]
        )
    client = login(world["officer"])
    response = client.get(f"/api/monitoring/?pilot={pilot.pk}&year=2025-2026")
    assert response.status_code == 200, response.content
    body = response.json()
    thuis = next(s for s in body["summary"] if s["indicator"] == "thuiszitters")
    assert thuis["now"] == {"value": None, "withheld": True, "rate": None}  # six children: withheld, no "6"
    assert body["min_cell"] == 10
    settings.RONDOM_MONITORING_MIN_CELL = 5
    shown = client.get(f"/api/monitoring/?pilot={pilot.pk}&year=2025-2026").json()
    now = next(s for s in shown["summary"] if s["indicator"] == "thuiszitters")["now"]
    assert now["withheld"] is False and now["value"].startswith("6")
    assert AccessLogEntry.objects.filter(user_id=world["officer"].pk, object_type="monitoring_api").count() == 2
    assert login(world["ib"]).get("/api/monitoring/").status_code == 403


# --- Questionnaires --------------------------------------------------------------------------------------------------


@pytest.fixture
def plan(world) -> Plan:  # type: ignore[no-untyped-def]
    return Plan.objects.create(child=world["child"], version=1, content={"goals": []}, next_evaluation=TODAY)


def test_a_teacher_reads_and_answers_the_questionnaire(login, world, plan) -> None:  # type: ignore[no-untyped-def]
    child, teacher = world["child"], world["teacher"]
    client = login(teacher)
    url = f"/api/children/{child.pk}/plan/questionnaire/"
    before = _last()
    body = client.get(url).json()
    assert body["may_answer"] is True and body["own_answer"] is None and body["answers"] is None
    assert _rows(teacher, before) == [("read", "support", "school_role", child.pk, "feedback_questionnaire")]
    bad = client.post(url + "answer/", {"helps": 9}, content_type=JSON)
    assert bad.status_code == 400 and list(bad.json()) == ["helps"]
    done = client.post(url + "answer/", {"helps": 4, "wellbeing": 7, "comment": "Beter."}, content_type=JSON)
    assert done.status_code == 201 and done.json()["respondent"] == "teacher"
    assert client.get(url).json()["own_answer"]["helps"] == 4
    # The ib'er holds the evaluation: every answer.
    assert [a["helps"] for a in login(world["ib"]).get(url).json()["answers"]] == [4]
    assert login(world["stranger"]).get(url).json() == NOT_FOUND


def test_a_parent_answers_as_parent_and_may_not_answer_as_teacher(login, world, plan) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    client = login(world["parent"])
    assert (
        client.post(f"/api/children/{child.pk}/plan/questionnaire/answer/", {"helps": 3}, content_type=JSON).status_code
        == 403
    )
    url = f"/api/portal/children/{child.pk}/questionnaire/"
    assert client.get(url).json()["may_answer"] is True
    done = client.post(url + "answer/", {"helps": 3}, content_type=JSON)
    assert done.status_code == 201 and done.json()["respondent"] == "parent"


# --- The family's portal data ------------------------------------------------------------------------------------


def test_the_family_reads_what_the_portal_shows_with_the_same_rows(login, world, plan) -> None:  # type: ignore[no-untyped-def]
    child, parent = world["child"], world["parent"]
    consent_for(child, "support_team", None, ["support"])
    login(world["ib"]).get(f"/api/children/{child.pk}/")  # a look the family will see
    client = login(parent)
    before = _last()
    children = client.get("/api/portal/children/").json()
    assert [(c["id"], c["capacity"]) for c in children["results"]] == [(child.pk, "parent")]
    assert _rows(parent, before) == [("read", "identity", "parent", child.pk, "child")]
    summary = client.get(f"/api/portal/children/{child.pk}/").json()
    assert summary["plan_version"] == 1 and summary["child"]["id"] == child.pk
    consents = client.get(f"/api/portal/children/{child.pk}/consents/").json()
    assert consents[0]["purpose"] == "support_team" and consents[0]["active"] is True
    before = _last()
    looked = client.get(f"/api/portal/children/{child.pk}/who-looked/").json()
    assert looked["count"] >= 1 and all(not r["own"] or r["who"] for r in looked["results"])
    assert "De Regenboog" in {r["who"] for r in looked["results"]}
    assert _rows(parent, before) == [("read", "identity", "parent", child.pk, "access_log")]


def test_the_portal_api_is_the_familys_door_only(login, world) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    other = ChildFactory()
    parent = login(world["parent"])
    assert parent.get(f"/api/portal/children/{other.pk}/").json() == NOT_FOUND
    ib = login(world["ib"])
    refused = ib.get("/api/portal/children/")
    assert refused.status_code == 403 and refused.json() == {"detail": "Het portaal is voor ouders en jongeren."}
    assert ib.get(f"/api/portal/children/{child.pk}/consents/").status_code == 404  # family grounds only
    assert _rows(world["ib"]) == []


# --- Notifications ---------------------------------------------------------------------------------------------------


def test_notifications_list_and_mark_read_idempotently(login, world, signal) -> None:  # type: ignore[no-untyped-def]
    ib, child = world["ib"], world["child"]
    named = Notification.objects.create(
        recipient=ib, title="Nieuw verzuimsignaal", url=f"/kinderen/{child.pk}/verzuimsignaal/{signal.pk}/", key="a"
    )
    plain = Notification.objects.create(recipient=ib, title="Welkom", url="", key="b")
    other = Notification.objects.create(recipient=world["teacher"], title="Welkom", url="", key="b")
    client: Client = login(ib)
    before = _last()
    body = client.get("/api/notifications/").json()
    assert body["count"] == 2
    first = next(n for n in body["results"] if n["id"] == named.pk)
    assert first["child"] == child.pk and first["opens"] is True and first["about"]
    assert _rows(ib, before) == [("search", "identity", "school_role", child.pk, "notification")]
    once = client.post(f"/api/notifications/{plain.pk}/read/", content_type=JSON)
    twice = client.post(f"/api/notifications/{plain.pk}/read/", content_type=JSON)
    assert once.status_code == twice.status_code == 200 and once.json() == twice.json()
    assert once.json()["read_at"] is not None
    assert client.post(f"/api/notifications/{other.pk}/read/", content_type=JSON).json() == NOT_FOUND
    assert client.get("/api/notifications/?unread=1").json()["count"] == 1
    assert client.post("/api/notifications/read/", content_type=JSON).json() == {"marked": 1, "unread": 0}
    assert client.post("/api/notifications/read/", content_type=JSON).json() == {"marked": 0, "unread": 0}
    other.refresh_from_db()
    assert other.read_at is None


# --- Query parameters are checked like a body ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/absence-signals/?status=AAA", "status"),
        ("/api/absence-signals/?kind=een", "kind"),
        ("/api/thuiszitters/?school=320155366574932910627473474977792", "school"),
        ("/api/thuiszitters/?school=null", "school"),
        ("/api/notifications/?unread=AAA", "unread"),
    ],
)
def test_an_unknown_filter_value_is_a_dutch_400_naming_it_never_a_silent_fallback(login, world, url, field) -> None:  # type: ignore[no-untyped-def]
    response = login(world["ib"]).get(url)
    assert response.status_code == 400 and list(response.json()) == [field]
    reason = response.json()[field][0]
    assert any(dutch in reason for dutch in ("ongeldige keuze", "geheel getal", "kleiner dan of gelijk")), reason


def test_the_aggregates_check_their_filters_after_the_right_to_see_them(login, world) -> None:  # type: ignore[no-untyped-def]
    officer = login(world["officer"])
    assert list(officer.get("/api/thuiszitters/overview/?by=AAA").json()) == ["by"]
    assert list(officer.get("/api/monitoring/?compare=wijk:x").json()) == ["compare"]
    assert list(officer.get("/api/funding/allocation/?year=volgend").json()) == ["year"]
    assert login(world["ib"]).get("/api/monitoring/?compare=wijk:x").status_code == 403
