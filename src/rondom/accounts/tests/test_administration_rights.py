"""Issue 12, finding 1: who may create which organisation and grant which role is a task right (access.tasks);
a gemeente's authority comes from configuration; every grant, end, creation and link is in the administration log.

The reproductions run on the demo world (login `beheer`, functioneel beheerder of De Esch) and must fail safely:
403 with a Dutch reason, nothing changed, no log row."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import translation

from rondom.access import policy, tasks
from rondom.accounts import services
from rondom.accounts.models import Membership, Organisation, User
from rondom.attendance.models import AbsenceProtocol, ThresholdSignal
from rondom.audit.models import AdministrationLogEntry
from rondom.demo import data
from rondom.funding.models import Pilot
from rondom.funding.officers import municipality_officer
from rondom.funding.services import may_keep_budget
from rondom.monitoring import research
from rondom.registry.models import Child, Municipality
from rondom.thuiszitters.models import EscalationLevel, EscalationStep, Thuiszitter
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)  # a Friday in term time


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def world(settings) -> dict[str, object]:  # type: ignore[no-untyped-def]
    # The demo's 14 passwords hashed with argon2 cost seconds per test; hashing is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    data.load()
    return {
        "esch": Organisation.objects.get(name="Basisschool De Esch"),
        "kempis": Organisation.objects.get(name="Thomas a Kempis College"),
        "gemeente": Organisation.objects.get(name="Gemeente Zwolle"),
        "ggd": Organisation.objects.get(name="GGD IJsselland (JGZ)"),
        "trias": Organisation.objects.get(name="Trias Jeugdhulp"),
        "zwolle": Municipality.objects.get(name="Zwolle"),
        "beheer": User.objects.get(username="beheer"),
        "teacher": User.objects.get(username="leerkracht"),
    }


def post(client, url: str, body: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json")


def gemeente_admin(world: dict[str, object]) -> User:
    """The gemeente's functioneel beheerder, appointed by the platform (seeded directly, as the demo does)."""
    user = UserFactory(username="gemeentebeheer")
    Membership.objects.create(user=user, organisation=world["gemeente"], role="functional_admin")
    return user


# --- the reproductions ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ggd", "municipality", "swv", "wijkteam", "provider", "leerplicht", "school_board"])
def test_a_schools_beheerder_creates_no_organisation_of_any_kind_under_its_school(world, login, kind: str) -> None:  # type: ignore[no-untyped-def]
    before = Organisation.objects.count()
    response = post(
        login(world["beheer"]),
        "/api/organisations/",
        {"name": "GGD De Esch", "kind": kind, "part_of": world["esch"].pk, "municipality": world["zwolle"].pk},
    )
    assert response.status_code == 403
    assert "functioneel beheerder van de gemeente" in response.json()["detail"]
    assert Organisation.objects.count() == before
    assert not AdministrationLogEntry.objects.exists()


@pytest.mark.parametrize(("organisation", "role"), [("ggd", "youth_doctor"), ("gemeente", "policy_officer")])
def test_a_schools_beheerder_grants_no_youth_doctor_or_policy_officer_role(world, login, organisation, role) -> None:  # type: ignore[no-untyped-def]
    response = post(
        login(world["beheer"]),
        "/api/memberships/",
        {"user": world["teacher"].pk, "organisation": world[organisation].pk, "role": role},
    )
    assert response.status_code == 403
    assert "U beheert deze organisatie niet" in response.json()["detail"]
    assert not Membership.objects.filter(user=world["teacher"], role=role).exists()
    assert not AdministrationLogEntry.objects.exists()


def test_a_schools_beheerder_cannot_make_anyone_beheerder_of_its_school(world, login) -> None:  # type: ignore[no-untyped-def]
    response = post(
        login(world["beheer"]),
        "/api/memberships/",
        {"user": world["teacher"].pk, "organisation": world["esch"].pk, "role": "functional_admin"},
    )
    assert response.status_code == 403 and "alleen de rollen van haar medewerkers" in response.json()["detail"]
    assert not AdministrationLogEntry.objects.exists()


def test_a_schools_beheerder_gives_no_school_role_to_a_providers_account(world, login) -> None:  # type: ignore[no-untyped-def]
    provider_account = User.objects.get(username="aanbieder")
    response = post(
        login(world["beheer"]),
        "/api/memberships/",
        {"user": provider_account.pk, "organisation": world["esch"].pk, "role": "intern_begeleider"},
    )
    assert response.status_code == 403
    assert "rol bij een organisatie die u niet beheert" in response.json()["detail"]
    assert not Membership.objects.filter(user=provider_account, organisation=world["esch"]).exists()
    assert not AdministrationLogEntry.objects.exists()


@pytest.mark.parametrize("username", ["ouder", "jongere"])
def test_a_family_account_never_holds_a_professional_role(world, login, username: str) -> None:  # type: ignore[no-untyped-def]
    family = User.objects.get(username=username)
    response = post(
        login(world["beheer"]),
        "/api/memberships/",
        {"user": family.pk, "organisation": world["esch"].pk, "role": "teacher"},
    )
    assert response.status_code == 403 and "ouder of jongere" in response.json()["detail"]
    assert not family.memberships.exists()
    # Not even the platform administrator can do it.
    root = UserFactory(is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDenied):
        services.grant_role(root, family, world["esch"], "teacher")
    assert not AdministrationLogEntry.objects.exists()


def test_a_self_declared_ggd_or_gemeente_gives_no_ground_on_other_schools_children(world, login) -> None:  # type: ignore[no-untyped-def]
    """The state the probe reached (organisations made before the fix, straight in the database): a teacher of De Esch
    as youth doctor of a 'GGD' and policy officer of a 'gemeente' under De Esch, both 'in' Zwolle. Nothing follows."""
    esch, zwolle, teacher = world["esch"], world["zwolle"], world["teacher"]
    fake_ggd = Organisation.objects.create(name="GGD?", kind="ggd", parent=esch, municipality=zwolle)
    fake_gemeente = Organisation.objects.create(name="Gemeente?", kind="municipality", parent=esch, municipality=zwolle)
    Membership.objects.create(user=teacher, organisation=fake_ggd, role="youth_doctor")
    Membership.objects.create(user=teacher, organisation=fake_gemeente, role="policy_officer")
    other = Child.objects.exclude(school=esch).filter(home_municipality=zwolle).first()
    assert other is not None
    # An open absence signal for the youth doctor, and a thuiszitter at the top rung (the gemeente decides).
    ThresholdSignal.objects.create(
        child=other,
        protocol=AbsenceProtocol.objects.first(),
        role="youth_doctor",
        period_start=TODAY - timedelta(days=30),
        crossed_on=TODAY,
        value=5,
        due_on=TODAY + timedelta(days=5),
    )
    top = EscalationLevel.objects.filter(municipality__isnull=True).order_by("-rank").first()
    tz = Thuiszitter.objects.create(
        child=other, kind="relative", reason="refusal", started_on=TODAY - timedelta(days=40), level=top
    )
    EscalationStep.objects.create(thuiszitter=tz, level=top, deadline=TODAY + timedelta(days=10))
    teacher = User.objects.get(pk=teacher.pk)

    assert not policy.children_in_scope(teacher).filter(pk=other.pk).exists()
    for category in ("identity", "absence"):
        assert not policy.decide(teacher, other, "read", category).allowed
    assert municipality_officer(teacher) is None
    assert not may_keep_budget(teacher)
    with pytest.raises(PermissionDenied):
        research.export(teacher, [other.school_id], research.SchoolYear.current(), key="k")
    # Through the web and the API as well: the other school's child does not exist for the teacher, the budget
    # page refuses, the research export refuses, and the pilot's budget is unchanged.
    client = login(teacher)
    assert client.get(f"/api/children/{other.pk}/").status_code == 404
    pilot = Pilot.objects.first()
    assert pilot is not None
    before = (pilot.baseline, pilot.shrink_percent)
    budget = client.post(
        f"/monitoring/pilots/{pilot.pk}/budget/",
        {"action": "baseline", "baseline": "Gemeente Zwolle; 1", "shrink_percent": "50"},
    )
    assert budget.status_code == 403
    pilot.refresh_from_db()
    assert (pilot.baseline, pilot.shrink_percent) == before
    assert client.post("/monitoring/onderzoek/", {"year": "2025-2026"}).status_code == 403
    # The real youth doctor and policy officer, of the configured organisations, keep their grounds.
    doctor = User.objects.get(username="jeugdarts")
    assert policy.decide(doctor, other, "read", "absence").allowed
    officer = User.objects.get(username="beleid")
    assert policy.decide(officer, other, "update", "absence").allowed
    assert municipality_officer(officer) is not None and may_keep_budget(officer)


# --- the positive paths ---------------------------------------------------------------------------------------------


def test_a_schools_beheerder_grants_ib_to_its_own_staff_and_it_is_logged(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["beheer"])
    response = post(
        client,
        "/api/memberships/",
        {"user": world["teacher"].pk, "organisation": world["esch"].pk, "role": "intern_begeleider"},
    )
    assert response.status_code == 201
    newcomer = UserFactory()
    assert (
        post(
            client, "/api/memberships/", {"user": newcomer.pk, "organisation": world["esch"].pk, "role": "teacher"}
        ).status_code
        == 201
    )
    rows = list(AdministrationLogEntry.objects.order_by("id"))
    assert [(r.action, r.role, r.subject_user_id) for r in rows] == [
        ("grant_role", "intern_begeleider", world["teacher"].pk),
        ("grant_role", "teacher", newcomer.pk),
    ]
    row = rows[0]
    assert row.actor_id == world["beheer"].pk and row.actor_standing == "own_admin"
    assert row.organisation_id == world["esch"].pk and row.municipality_id == world["zwolle"].pk
    assert row.membership_id == response.json()["id"]


def test_the_gemeentes_beheerder_creates_and_links_a_ggd_and_appoints_its_youth_doctor(world, login) -> None:  # type: ignore[no-untyped-def]
    admin = gemeente_admin(world)
    client = login(admin)
    response = post(
        client,
        "/api/organisations/",
        {
            "name": "GGD Noord",
            "kind": "ggd",
            "municipality": world["zwolle"].pk,
            "serves_municipalities": [world["zwolle"].pk],
        },
    )
    assert response.status_code == 201, response.json()
    ggd = Organisation.objects.get(pk=response.json()["id"])
    assert list(ggd.serves_municipalities.all()) == [world["zwolle"]]
    doctor = UserFactory()
    assert (
        post(
            client, "/api/memberships/", {"user": doctor.pk, "organisation": ggd.pk, "role": "youth_doctor"}
        ).status_code
        == 201
    )
    rows = list(AdministrationLogEntry.objects.order_by("id"))
    assert [(r.action, r.actor_standing) for r in rows] == [
        ("create_organisation", "municipality_admin"),
        ("grant_role", "municipality_admin"),
    ]
    assert rows[0].detail["serves_municipalities"] == [world["zwolle"].pk]


def test_the_gemeentes_beheerder_stays_within_its_own_municipalities(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(gemeente_admin(world))
    kampen = Municipality.objects.get(name="Kampen")
    elsewhere = post(client, "/api/organisations/", {"name": "GGD Kampen", "kind": "ggd", "municipality": kampen.pk})
    assert elsewhere.status_code == 403
    serving_elsewhere = post(
        client,
        "/api/organisations/",
        {"name": "GGD", "kind": "ggd", "municipality": world["zwolle"].pk, "serves_municipalities": [kampen.pk]},
    )
    assert serving_elsewhere.status_code == 403
    a_gemeente = post(
        client,
        "/api/organisations/",
        {"name": "Gemeente 2", "kind": "municipality", "municipality": world["zwolle"].pk},
    )
    assert a_gemeente.status_code == 403
    assert not AdministrationLogEntry.objects.exists()


def test_a_gemeente_without_configuration_has_no_beheerder_authority(world, login) -> None:  # type: ignore[no-untyped-def]
    unconfigured = Organisation.objects.create(name="Gemeente?", kind="municipality", municipality=world["zwolle"])
    admin = UserFactory()
    Membership.objects.create(user=admin, organisation=unconfigured, role="functional_admin")
    response = post(
        login(admin), "/api/organisations/", {"name": "GGD", "kind": "ggd", "municipality": world["zwolle"].pk}
    )
    assert response.status_code == 403


def test_linking_an_organisation_to_municipalities_is_the_gemeentes_and_logged(world, login) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/organisations/{world['ggd'].pk}/links/"
    refused = post(login(world["beheer"]), url, {"serves_municipalities": []})
    assert refused.status_code == 403
    assert not AdministrationLogEntry.objects.exists()
    ok = post(login(gemeente_admin(world)), url, {"serves_municipalities": [world["zwolle"].pk]})
    assert ok.status_code == 200
    row = AdministrationLogEntry.objects.get()
    assert row.action == "link_organisation" and row.detail["after"]["serves_municipalities"] == [world["zwolle"].pk]
    assert len(row.detail["before"]["serves_municipalities"]) == 3


def test_ending_a_role_is_a_task_right_and_logged(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["beheer"])
    teacher_role = Membership.objects.get(user=world["teacher"], role="teacher")
    doctor_role = Membership.objects.get(user__username="jeugdarts")
    assert post(client, f"/api/memberships/{doctor_role.pk}/end/", {}).status_code == 403
    assert not AdministrationLogEntry.objects.exists()
    assert post(client, f"/api/memberships/{teacher_role.pk}/end/", {"valid_until": "2026-11-20"}).status_code == 400
    response = post(client, f"/api/memberships/{teacher_role.pk}/end/", {})
    assert response.status_code == 200 and response.json()["valid_until"] == TODAY.isoformat()
    row = AdministrationLogEntry.objects.get()
    assert (row.action, row.role, row.subject_user_id, row.detail["valid_until"]) == (
        "end_role",
        "teacher",
        world["teacher"].pk,
        TODAY.isoformat(),
    )


# --- the log: who reads it, and that it cannot change ---------------------------------------------------------------


def test_the_privacy_officer_reads_the_administration_log_and_a_beheerder_does_not(world, login) -> None:  # type: ignore[no-untyped-def]
    services.grant_role(world["beheer"], UserFactory(), world["esch"], "teacher")
    assert login(world["beheer"]).get("/api/administration-log/").status_code == 403
    privacy_officer = UserFactory(is_staff=True)
    privacy_officer.user_permissions.add(Permission.objects.get(codename="view_administrationlogentry"))
    response = login(User.objects.get(pk=privacy_officer.pk)).get("/api/administration-log/")
    assert response.status_code == 200
    assert [row["action"] for row in response.json()["results"]] == ["grant_role"]


def test_administration_log_rows_cannot_be_changed_or_deleted(world) -> None:  # type: ignore[no-untyped-def]
    row = (
        services.grant_role(world["beheer"], UserFactory(), world["esch"], "teacher")
        and AdministrationLogEntry.objects.get()
    )
    with pytest.raises(PermissionError):
        AdministrationLogEntry.objects.update(role="x")
    with pytest.raises(PermissionError):
        row.delete()
    row.role = "x"
    with pytest.raises(PermissionError):
        row.save()


def test_a_grant_and_its_log_row_commit_or_fail_together(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("log unavailable")

    monkeypatch.setattr(services, "record_administration", broken)
    newcomer = UserFactory()
    with pytest.raises(RuntimeError):
        services.grant_role(world["beheer"], newcomer, world["esch"], "teacher")
    assert not newcomer.memberships.exists()


def test_only_the_platform_administrator_edits_roles_and_organisations_in_the_django_admin(world) -> None:  # type: ignore[no-untyped-def]
    staff_beheer = world["beheer"]
    staff_beheer.is_staff = True
    request = RequestFactory().get("/admin/")
    request.user = staff_beheer
    for model in (Membership, Organisation, User):
        model_admin = site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_module_permission(request)
    request.user = UserFactory(is_superuser=True, is_staff=True)
    assert site._registry[Membership].has_add_permission(request)
    assert not site._registry[Membership].has_delete_permission(request)


def test_the_task_table_has_one_row_per_right_with_a_description(world) -> None:  # type: ignore[no-untyped-def]
    assert "organisation.create.ggd" in tasks.TASKS and "role.grant.youth_doctor" in tasks.TASKS
    assert all(str(row.description) for row in tasks.TASKS.values())
    with translation.override("nl"):
        assert str(tasks.TASKS["role.grant.teacher"].description) == "De rol Leerkracht / mentor toekennen"
        assert str(tasks.TASKS["organisation.create.ggd"].description) == "Een GGD aanmaken"
    assert not tasks.may(world["beheer"], "organisation.create.school", world["esch"])
    assert tasks.may(world["beheer"], "role.grant.teacher", world["esch"])
    assert not tasks.may(world["beheer"], "role.grant.teacher", world["kempis"])


def test_a_role_granted_and_ended_in_the_django_admin_goes_through_the_service_and_is_logged(world, login) -> None:  # type: ignore[no-untyped-def]
    root = UserFactory(is_superuser=True, is_staff=True)
    client = login(root)
    newcomer = UserFactory()
    response = client.post(
        "/admin/accounts/membership/add/",
        {"user": newcomer.pk, "organisation": world["esch"].pk, "role": "teacher", "valid_from": "2026-11-27"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=newcomer)
    client.post(f"/admin/accounts/membership/{membership.pk}/change/", {"valid_until": "2026-12-31"})
    membership.refresh_from_db()
    assert membership.valid_until == date(2026, 12, 31)
    rows = list(AdministrationLogEntry.objects.order_by("id"))
    assert [(r.action, r.actor_standing, r.subject_user_id) for r in rows] == [
        ("grant_role", "platform", newcomer.pk),
        ("end_role", "platform", newcomer.pk),
    ]
    # Even the platform administrator cannot give a parent's account a role through the admin.
    parent = User.objects.get(username="ouder")
    refused = client.post(
        "/admin/accounts/membership/add/",
        {"user": parent.pk, "organisation": world["esch"].pk, "role": "teacher", "valid_from": "2026-11-27"},
    )
    assert refused.status_code == 403
    assert not parent.memberships.exists() and AdministrationLogEntry.objects.count() == 2


def test_the_documented_administration_actions_are_the_ones_the_code_writes() -> None:
    from pathlib import Path

    from rondom.audit.models import AdministrationAction

    doc = (Path(__file__).resolve().parents[4] / "docs" / "access-log.md").read_text()
    section = doc.split("## The administration log", 1)[1].split("\n## ", 1)[0]
    documented = {line.split("|")[1].strip().strip("`") for line in section.splitlines() if line.startswith("| `")}
    assert documented == set(AdministrationAction.values)


def test_check_administration_lists_what_the_probe_left_behind_and_nothing_in_the_demo(world, capsys) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    call_command("check_administration")
    assert "OK: nothing to review." in capsys.readouterr().out
    # What a school's administrator could make before the fix, written straight into the database.
    fake = Organisation.objects.create(
        name="G?", kind="municipality", parent=world["esch"], municipality=world["zwolle"]
    )
    officer = Membership.objects.create(user=world["teacher"], organisation=fake, role="policy_officer")
    parent_role = Membership.objects.create(
        user=User.objects.get(username="ouder"), organisation=world["esch"], role="teacher"
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_administration")
    assert exit_info.value.code == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:-1] == [
        f"family_account_with_role\tmembership:{parent_role.pk}\ta family account holds a professional role",
        f"organisation_under_a_school\torganisation:{fake.pk}\tan organisation of another kind is part of a school",
        f"unconfigured_gemeente\torganisation:{fake.pk}\tan organisation of the kind gemeente that is not configured "
        "as one: it has no authority",
    ]
    assert lines[-1] == "3 to review."
    # The policy officer's role at the fake gemeente gives no authority already; the review names the gemeente.
    assert officer.organisation_id == fake.pk
    assert municipality_officer(User.objects.get(pk=world["teacher"].pk)) is None


def test_a_grant_submitted_twice_gives_one_role_and_one_log_row(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["beheer"])
    body = {"user": world["teacher"].pk, "organisation": world["esch"].pk, "role": "zorgcoordinator"}
    assert post(client, "/api/memberships/", body).status_code == 201
    again = post(client, "/api/memberships/", body)
    assert again.status_code == 400 and "heeft deze rol al" in again.json()["role"][0]
    assert Membership.objects.filter(user=world["teacher"], role="zorgcoordinator").count() == 1
    assert AdministrationLogEntry.objects.count() == 1


def test_a_grant_racing_past_the_check_meets_the_constraint_as_a_dutch_error(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    newcomer = UserFactory()
    services.grant_role(world["beheer"], newcomer, world["esch"], "teacher")
    # The second request read "no such role yet" before the first one committed.
    monkeypatch.setattr(
        services.Membership.objects,
        "filter",
        lambda *a, **k: Membership.objects.none() if k.get("role") else Membership.objects.all().filter(*a, **k),
    )
    with pytest.raises(ValidationError) as error:
        services.grant_role(world["beheer"], newcomer, world["esch"], "teacher")
    assert "role" in error.value.message_dict
    assert Membership.objects.filter(user=newcomer).count() == 1
    assert AdministrationLogEntry.objects.count() == 1


def _without_admin_log_triggers(sql: str, params: list[object]) -> None:
    """What someone with database-owner rights could do: bypass the triggers and change a row."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_administrationlogentry DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_administrationlogentry ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER rondom_adminlog_no_update")
            cursor.execute("DROP TRIGGER rondom_adminlog_no_delete")
            cursor.execute(sql, params)


def test_the_administration_log_is_hash_chained_and_verified(world, capsys) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import CommandError, call_command

    for _n in range(3):
        services.grant_role(world["beheer"], UserFactory(), world["esch"], "teacher")
    call_command("verify_audit_log")
    assert "OK: administration log, 3 rows, chain intact." in capsys.readouterr().out
    second = AdministrationLogEntry.objects.get(seq=2)
    assert second.prev_hash == AdministrationLogEntry.objects.get(seq=1).row_hash
    # Someone rewrites who got the role, straight in the database.
    _without_admin_log_triggers(
        "UPDATE audit_administrationlogentry SET subject_user_name = %s WHERE id = %s", ["Iemand anders", second.pk]
    )
    with pytest.raises(CommandError, match="BROKEN in the administration log at row 2"):
        call_command("verify_audit_log")


def test_the_database_refuses_to_change_administration_log_rows(world) -> None:  # type: ignore[no-untyped-def]
    from django.db import DatabaseError, connection, transaction

    services.grant_role(world["beheer"], UserFactory(), world["esch"], "teacher")
    row = AdministrationLogEntry.objects.get()
    for sql in (
        "UPDATE audit_administrationlogentry SET role = 'x' WHERE id = %s",
        "DELETE FROM audit_administrationlogentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    assert AdministrationLogEntry.objects.get().role == "teacher"


# --- leaving and coming back; a grant starts today or later -----------------------------------------------------------


def test_a_role_ended_in_the_past_is_given_back_as_a_new_period_and_logged_as_a_grant(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["beheer"])
    body = {"user": world["teacher"].pk, "organisation": world["esch"].pk, "role": "teacher"}
    first = Membership.objects.get(user=world["teacher"], role="teacher")
    assert post(client, f"/api/memberships/{first.pk}/end/", {}).status_code == 200
    with time_machine.travel(TODAY + timedelta(days=60), tick=False):  # she left, and comes back two months later
        again = post(login(world["beheer"]), "/api/memberships/", body)
    assert again.status_code == 201, again.content
    periods = list(Membership.objects.filter(user=world["teacher"], role="teacher").order_by("valid_from"))
    assert [(m.valid_from, m.valid_until) for m in periods[-2:]] == [
        (first.valid_from, TODAY),  # the old period stays as it was: history intact
        (TODAY + timedelta(days=60), None),
    ]
    assert again.json()["id"] == periods[-1].pk != first.pk
    rows = list(AdministrationLogEntry.objects.order_by("id").values_list("action", "membership_id"))
    assert rows == [("end_role", first.pk), ("grant_role", periods[-1].pk)]


def test_a_role_ended_today_is_given_back_the_same_day_by_lifting_the_end(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["beheer"])
    body = {"user": world["teacher"].pk, "organisation": world["esch"].pk, "role": "teacher"}
    role = Membership.objects.get(user=world["teacher"], role="teacher")
    assert post(client, f"/api/memberships/{role.pk}/end/", {}).status_code == 200
    again = post(client, "/api/memberships/", body)
    assert again.status_code == 201, again.content
    role.refresh_from_db()
    assert again.json()["id"] == role.pk and role.valid_until is None
    assert Membership.objects.filter(user=world["teacher"], role="teacher").count() == 1
    grant = AdministrationLogEntry.objects.order_by("id").last()
    assert grant is not None and (grant.action, grant.membership_id) == ("grant_role", role.pk)
    assert grant.detail["reopened"] == TODAY.isoformat()  # the end that was lifted stays readable in the log
    assert post(client, "/api/memberships/", body).status_code == 400  # and now she holds it: no second one


def test_a_grant_does_not_start_in_the_past(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["beheer"])
    newcomer = UserFactory()
    body = {"user": newcomer.pk, "organisation": world["esch"].pk, "role": "teacher"}
    for past in ("2000-01-01", (TODAY - timedelta(days=1)).isoformat()):
        response = post(client, "/api/memberships/", {**body, "valid_from": past})
        assert response.status_code == 400 and "vandaag" in response.json()["valid_from"][0], response.content
    assert not Membership.objects.filter(user=newcomer).exists() and not AdministrationLogEntry.objects.exists()
    for start in (TODAY, TODAY + timedelta(days=7)):
        other = UserFactory()
        response = post(client, "/api/memberships/", {**body, "user": other.pk, "valid_from": start.isoformat()})
        assert response.status_code == 201 and response.json()["valid_from"] == start.isoformat()


def test_a_grant_starts_on_the_today_it_is_given(world) -> None:  # type: ignore[no-untyped-def]
    later = date(2027, 3, 1)
    with pytest.raises(ValidationError) as error:
        services.grant_role(world["beheer"], UserFactory(), world["esch"], "teacher", TODAY, today=later)
    assert "valid_from" in error.value.message_dict
    made = services.grant_role(world["beheer"], UserFactory(), world["esch"], "teacher", today=later)
    assert made.valid_from == later
