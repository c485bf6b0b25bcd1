"""Lost updates: every record a person edits carries a version; of concurrent writers that read the same
version exactly one wins and the others get 409 with what changed (issue 12, finding 6)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from rondom.registry.models import Child, ChildNote
from tests.concurrency import concurrent, run_at_once
from tests.conftest_helpers import verified_client
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    MunicipalityFactory,
    NoteFactory,
    OrganisationFactory,
)

WRITERS = 20


def ib_of(child: Child):  # type: ignore[no-untyped-def]
    return MembershipFactory(organisation=child.school, role="intern_begeleider").user


@pytest.mark.django_db
def test_reading_a_child_gives_its_version_as_etag(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    response = login(ib_of(child)).get(f"/api/children/{child.pk}/")
    assert response["ETag"] == '"1"' and response.json()["version"] == 1


@pytest.mark.django_db
def test_a_change_without_a_version_is_refused_and_changes_nothing(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(group="3")
    response = login(ib_of(child)).patch(f"/api/children/{child.pk}/", {"group": "8"}, content_type="application/json")
    assert response.status_code == 400 and "version" in response.json()
    child.refresh_from_db()
    assert (child.group, child.version) == ("3", 1)


@pytest.mark.django_db
def test_a_stale_if_match_answers_409_naming_the_changed_field_and_writes_nothing(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(group="3")
    client = login(ib_of(child))
    url = f"/api/children/{child.pk}/"
    first = client.patch(url, {"group": "7"}, content_type="application/json", headers={"If-Match": '"1"'})
    assert first.status_code == 200 and first["ETag"] == '"2"'
    stale = client.patch(
        url,
        {"group": "8", "given_name": child.given_name},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["current_version"] == 2 and body["changes"] == [{"field": "group"}]
    assert "intussen gewijzigd" in body["detail"]
    child.refresh_from_db()
    assert (child.group, child.version) == ("7", 2)


@pytest.mark.django_db
def test_a_version_in_the_body_works_like_if_match(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(group="3")
    client = login(ib_of(child))
    ok = client.patch(f"/api/children/{child.pk}/", {"group": "4", "version": 1}, content_type="application/json")
    stale = client.patch(f"/api/children/{child.pk}/", {"group": "5", "version": 1}, content_type="application/json")
    assert (ok.status_code, stale.status_code) == (200, 409)


@concurrent
def test_twenty_concurrent_writers_of_a_childs_basic_details_one_wins_the_rest_conflict() -> None:
    child = ChildFactory(group="1")
    ib = ib_of(child)
    clients = [verified_client(Client(), ib) for _ in range(WRITERS)]
    url = f"/api/children/{child.pk}/"

    def writer(client: Client, group: str):  # type: ignore[no-untyped-def]
        return lambda: client.patch(url, {"group": group, "version": 1}, content_type="application/json").status_code

    statuses = run_at_once([writer(c, f"g{i}") for i, c in enumerate(clients)])
    assert sorted(statuses) == [200] + [409] * (WRITERS - 1), statuses  # type: ignore[type-var]
    child.refresh_from_db()
    assert child.version == 2 and child.group.startswith("g")


@concurrent
def test_concurrent_writers_of_a_note_one_wins_the_rest_conflict() -> None:
    note = NoteFactory(category="support")
    ib = ib_of(note.child)
    clients = [verified_client(Client(), ib) for _ in range(8)]
    url = f"/api/children/{note.child_id}/notes/{note.pk}/"

    def writer(client: Client, text: str):  # type: ignore[no-untyped-def]
        return lambda: client.patch(url, {"text": text, "version": 1}, content_type="application/json").status_code

    statuses = run_at_once([writer(c, f"Versie {i}") for i, c in enumerate(clients)])
    assert sorted(statuses) == [200] + [409] * 7, statuses  # type: ignore[type-var]
    assert ChildNote.objects.get().version == 2


# --- Two registrations of one thuiszitter at the same moment ------------------------------------------------


@concurrent
def test_two_concurrent_thuiszitter_registrations_give_one_period_and_a_409_not_a_500() -> None:
    import time_machine

    from rondom.thuiszitters.models import Thuiszitter

    with time_machine.travel(datetime(2026, 9, 7, 10, 0, tzinfo=UTC), tick=True):
        child = ChildFactory(home_municipality=MunicipalityFactory())
        leerplicht = OrganisationFactory(kind="leerplicht", name="Leerplicht")
        leerplicht.serves_municipalities.add(child.home_municipality)
        people = [
            ib_of(child),
            MembershipFactory(organisation=child.school, role="zorgcoordinator").user,
        ]
        clients = [verified_client(Client(), person) for person in people]
        form = {"kind": "relative", "reason": "waiting_care", "started_on": "2026-08-10"}
        url = f"/kinderen/{child.pk}/thuiszitter/nieuw/"
        statuses = run_at_once([lambda c=c: c.post(url, form).status_code for c in clients])
    assert sorted(statuses) == [302, 409], statuses  # type: ignore[type-var]
    assert Thuiszitter.objects.filter(child=child).count() == 1


# --- The plan and the minutes of a meeting ------------------------------------------------------------------


@concurrent
def test_concurrent_writers_of_a_plan_one_wins_the_rest_conflict() -> None:
    child = ChildFactory()
    ib = ib_of(child)
    clients = [verified_client(Client(), ib) for _ in range(6)]
    url = f"/api/children/{child.pk}/plan/"

    def body(i: int) -> dict[str, object]:
        goal = {"domain": "home", "description": f"Doel {i}", "target": "Kerst", "owner": "mentor"}
        return {"goals": [goal], "includes_treatment": False, "base_version": 0}

    statuses = run_at_once(
        [
            lambda c=c, i=i: c.put(url, body(i), content_type="application/json").status_code
            for i, c in enumerate(clients)
        ]
    )
    assert sorted(statuses) == [200] + [409] * 5, statuses  # type: ignore[type-var]
    from rondom.cases.models import Plan

    assert Plan.objects.get(child=child).version == 1


@concurrent
def test_concurrent_writers_of_meeting_minutes_one_wins_the_rest_conflict() -> None:
    from rondom.cases.models import AgendaItem, Case, Meeting
    from rondom.cases.tests.test_api import open_case

    child = ChildFactory()
    GuardianshipFactory(child=child)
    ib = ib_of(child)
    case = Case.objects.get(pk=open_case(verified_client(Client(), ib), child)["id"])
    item = AgendaItem.objects.create(meeting=Meeting.objects.create(team=case.team, date=date(2026, 9, 7)), case=case)
    clients = [verified_client(Client(), ib) for _ in range(6)]
    url = f"/api/children/{child.pk}/agenda-items/{item.pk}/minutes/"
    statuses = run_at_once(
        [
            lambda c=c, i=i: (
                c.put(
                    url, {"minutes": f"Verslag {i}", "present": [], "version": 1}, content_type="application/json"
                ).status_code
            )
            for i, c in enumerate(clients)
        ]
    )
    assert sorted(statuses) == [200] + [409] * 5, statuses  # type: ignore[type-var]
    item.refresh_from_db()
    assert item.version == 2 and item.minutes.startswith("Verslag")


# --- The werkplan (a form with a hidden version) ------------------------------------------------------------


def werkplan_sides():  # type: ignore[no-untyped-def]
    from tests.factories import SchoolFactory

    school = SchoolFactory(name="De Esch")
    wijkteam = OrganisationFactory(kind="wijkteam")
    wijkteam.serves_municipalities.add(school.municipality)
    ib = MembershipFactory(organisation=school, role="intern_begeleider").user
    worker = MembershipFactory(organisation=wijkteam, role="wijkteam_worker").user
    return school, ib, worker


@pytest.mark.django_db
def test_a_werkplan_saved_on_a_stale_version_answers_409_keeps_your_text_and_writes_nothing(login) -> None:  # type: ignore[no-untyped-def]
    from rondom.funding.models import Werkplan

    school, ib, _worker = werkplan_sides()
    url = f"/werkplannen/{school.pk}/"
    client = login(ib)
    assert 'name="version" value="0"' in client.get(url).content.decode()
    assert client.post(url, {"text": "Versie van Ingrid", "version": 0}).status_code == 302
    colleague = login(MembershipFactory(organisation=school, role="zorgcoordinator").user)
    stale = colleague.post(url, {"text": "Versie van Karim", "version": 0}, headers={"Accept-Language": "nl"})
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "intussen opgeslagen" in page and "Versie van Karim" in page and 'name="version" value="1"' in page
    assert Werkplan.objects.get().text == "Versie van Ingrid"


@pytest.mark.django_db
def test_approving_a_werkplan_that_was_rewritten_in_between_is_refused(login) -> None:  # type: ignore[no-untyped-def]
    from rondom.funding.models import Werkplan

    school, ib, worker = werkplan_sides()
    url = f"/werkplannen/{school.pk}/"
    login(ib).post(url, {"text": "Eerste versie", "version": 0})
    login(ib).post(url, {"text": "Tweede versie", "version": 1})
    login(worker).post(url, {"action": "approve", "version": 1, "confirm": "on"})  # the worker read the first version
    assert Werkplan.objects.get().wijkteam_approved_at is None
    login(worker).post(url, {"action": "approve", "version": 2, "confirm": "on"})
    assert Werkplan.objects.get().wijkteam_approved_at is not None


@concurrent
def test_concurrent_rewrites_of_a_werkplan_one_wins_the_rest_conflict() -> None:
    from rondom.funding.models import Werkplan

    school, ib, _worker = werkplan_sides()
    url = f"/werkplannen/{school.pk}/"
    verified_client(Client(), ib).post(url, {"text": "Eerste versie", "version": 0})
    clients = [verified_client(Client(), ib) for _ in range(6)]
    statuses = run_at_once(
        [lambda c=c, i=i: c.post(url, {"text": f"Versie {i}", "version": 1}).status_code for i, c in enumerate(clients)]
    )
    assert sorted(statuses) == [302] + [409] * 5, statuses  # type: ignore[type-var]
    assert Werkplan.objects.get().version == 2


@concurrent
def test_the_access_log_is_append_only_again_after_the_concurrency_tests_above() -> None:
    """The fixture lifts the access log's triggers only for the flush between these tests, then puts them back."""
    from django.db import DatabaseError, connection, transaction

    from rondom.access import policy
    from rondom.audit import services as audit

    child = ChildFactory()
    ib = ib_of(child)
    audit.record(ib, policy.decide(ib, child, "read", "identity"), child.pk, object_type="child", object_id=child.pk)
    for sql in ("UPDATE audit_accesslogentry SET role = 'x'", "DELETE FROM audit_accesslogentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


# --- A column mapping of the absence import (a form with a hidden version) -----------------------------------


def mapping_world():  # type: ignore[no-untyped-def]
    from rondom.attendance.models import ColumnMapping
    from tests.factories import SchoolFactory

    school = SchoolFactory(name="De Esch")
    admin = MembershipFactory(organisation=school, role="functional_admin").user
    mapping = ColumnMapping.objects.create(
        owner=school,
        name="ParnasSys",
        school_system="ParnasSys",
        bsn_column="BSN",
        date_column="Datum",
        kind_column="Soort",
        hours_column="Uren",
        kind_codes={"O": "unauthorised"},
    )
    form = {
        "name": "ParnasSys",
        "school_system": "ParnasSys",
        "bsn_column": "BSN",
        "date_column": "Datum",
        "kind_column": "Soort",
        "hours_column": "Uren",
        "lesson_hour_column": "",
        "date_format": "%d-%m-%Y",
        "lesson_minutes": 60,
        "kind_codes": "O = ongeoorloofd",
    }
    return admin, mapping, form


@pytest.mark.django_db
def test_a_mapping_saved_on_a_stale_version_answers_409_and_writes_nothing(login) -> None:  # type: ignore[no-untyped-def]
    admin, mapping, form = mapping_world()
    url = f"/verzuim/koppelingen/{mapping.pk}/"
    client = login(admin)
    assert 'name="version" value="1"' in client.get(url).content.decode()
    assert client.post(url, {**form, "bsn_column": "Burgerservicenummer", "version": 1}).status_code == 302
    stale = client.post(url, {**form, "date_column": "Dag", "version": 1}, headers={"Accept-Language": "nl"})
    assert stale.status_code == 409 and "intussen opgeslagen" in stale.content.decode()
    mapping.refresh_from_db()
    assert (mapping.bsn_column, mapping.date_column, mapping.version) == ("Burgerservicenummer", "Datum", 2)


@concurrent
def test_concurrent_writers_of_a_column_mapping_one_wins_the_rest_conflict() -> None:
    admin, mapping, form = mapping_world()
    url = f"/verzuim/koppelingen/{mapping.pk}/"
    clients = [verified_client(Client(), admin) for _ in range(6)]
    statuses = run_at_once(
        [
            lambda c=c, i=i: c.post(url, {**form, "school_system": f"Systeem {i}", "version": 1}).status_code
            for i, c in enumerate(clients)
        ]
    )
    assert sorted(statuses) == [302] + [409] * 5, statuses  # type: ignore[type-var]
    mapping.refresh_from_db()
    assert mapping.version == 2


@pytest.mark.django_db
def test_the_plan_answers_with_its_version_as_etag(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    client = login(ib_of(child))
    url = f"/api/children/{child.pk}/plan/"
    assert client.get(url)["ETag"] == '"0"'
    goal = {"domain": "home", "description": "Slapen", "target": "Kerst", "owner": "mentor"}
    saved = client.put(
        url, {"goals": [goal], "includes_treatment": False, "base_version": 0}, content_type="application/json"
    )
    assert saved["ETag"] == '"1"' and client.get(url)["ETag"] == '"1"'
