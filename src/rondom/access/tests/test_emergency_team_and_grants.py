"""Emergency access, support-team membership and erbij-halen grants: the grounds that are given, not held."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rondom.access import policy, services
from rondom.access.models import EmergencyAccess
from rondom.audit.models import AccessLogEntry
from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory, consent_for, teacher_of

pytestmark = pytest.mark.django_db

REASON = "Melding van mishandeling, kind is niet op school en niet bereikbaar."


@pytest.fixture
def child():  # type: ignore[no-untyped-def]
    return ChildFactory()


@pytest.fixture
def ib(child):  # type: ignore[no-untyped-def]
    return MembershipFactory(organisation=child.school, role="intern_begeleider").user


def test_emergency_access_needs_a_written_reason(child, login) -> None:  # type: ignore[no-untyped-def]
    doctor = MembershipFactory(organisation=OrganisationFactory(kind="ggd"), role="youth_doctor")
    client = login(doctor.user)
    short = client.post(
        f"/api/children/{child.pk}/emergency-access/", {"reason": "nodig"}, content_type="application/json"
    )
    assert short.status_code == 400 and "reason" in short.json()
    assert not EmergencyAccess.objects.exists()
    assert client.get(f"/api/children/{child.pk}/").status_code == 404


def test_emergency_access_opens_the_record_and_flags_every_look(child, login) -> None:  # type: ignore[no-untyped-def]
    doctor = MembershipFactory(organisation=OrganisationFactory(kind="ggd"), role="youth_doctor")
    client = login(doctor.user)
    response = client.post(
        f"/api/children/{child.pk}/emergency-access/", {"reason": REASON}, content_type="application/json"
    )
    assert response.status_code == 201
    assert client.get(f"/api/children/{child.pk}/").status_code == 200
    page = client.get(f"/kinderen/{child.pk}/")
    assert page.status_code == 200 and "rondom-emergency-banner" in page.content.decode()
    rows = AccessLogEntry.objects.filter(child_id=child.pk, user_id=doctor.user_id)
    assert rows.exists() and all(r.emergency for r in rows.filter(action="read"))
    assert rows.filter(reason=REASON).exists()
    # Reading is all the emergency button gives.
    note = {"category": "health", "text": "x"}
    assert client.post(f"/api/children/{child.pk}/notes/", note, content_type="application/json").status_code == 403


def test_emergency_access_expires(child) -> None:  # type: ignore[no-untyped-def]
    doctor = MembershipFactory(organisation=OrganisationFactory(kind="ggd"), role="youth_doctor")
    access = services.start_emergency_access(doctor.user, child, doctor, REASON)
    assert policy.decide(doctor.user, child, "read", "identity").emergency
    EmergencyAccess.objects.filter(pk=access.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not policy.decide(doctor.user, child, "read", "identity").in_scope


def test_emergency_button_is_not_for_policy_officers_or_parents(child, login) -> None:  # type: ignore[no-untyped-def]
    officer = MembershipFactory(organisation=OrganisationFactory(kind="municipality"), role="policy_officer")
    response = login(officer.user).post(
        f"/api/children/{child.pk}/emergency-access/", {"reason": REASON}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_emergency_accesses_are_reviewed_by_the_functional_admin(child, login) -> None:  # type: ignore[no-untyped-def]
    doctor = MembershipFactory(organisation=OrganisationFactory(kind="ggd"), role="youth_doctor")
    access = services.start_emergency_access(doctor.user, child, doctor, REASON)
    admin = MembershipFactory(organisation=doctor.organisation, role="functional_admin").user
    client = login(admin)
    pending = client.get("/api/emergency-reviews/").json()
    assert [p["id"] for p in pending] == [access.pk]
    assert "given_name" not in pending[0]
    assert (
        client.post(
            f"/api/emergency-reviews/{access.pk}/review/",
            {"review_note": "Terecht gebruikt."},
            content_type="application/json",
        ).status_code
        == 200
    )
    assert client.get("/api/emergency-reviews/").json() == []
    with pytest.raises(PermissionDenied):
        services.review_emergency_access(doctor.user, access, "zelf goedgekeurd")


def test_a_team_member_from_outside_the_school_needs_consent_naming_the_organisation(child, ib) -> None:  # type: ignore[no-untyped-def]
    wijkteam = OrganisationFactory(kind="wijkteam")
    worker = MembershipFactory(organisation=wijkteam, role="wijkteam_worker")
    with pytest.raises(ValidationError):
        services.add_team_member(ib, child, worker)
    other = consent_for(child, "support_team", OrganisationFactory(kind="wijkteam"), ["support"])
    with pytest.raises(ValidationError):
        services.add_team_member(ib, child, worker, other)
    assert not policy.decide(worker.user, child, "read", "support").in_scope
    consent = consent_for(child, "support_team", wijkteam, ["support"])
    services.add_team_member(ib, child, worker, consent)
    decision = policy.decide(worker.user, child, "read", "support")
    assert decision.allowed and decision.ground_ref == f"consent:{consent.pk}"
    # The consent covers support only: youth care stays closed although the role could see it.
    assert not policy.decide(worker.user, child, "read", "youth_care").allowed


def test_a_grant_shares_only_consented_categories_for_a_limited_time(child, ib) -> None:  # type: ignore[no-untyped-def]
    provider = OrganisationFactory(kind="provider")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    consent = consent_for(child, "provider", provider, ["youth_care"])
    later = timezone.now() + timedelta(days=90)
    with pytest.raises(ValidationError) as exc:
        services.grant_access(ib, child, contact, consent, ["youth_care", "health"], later)
    assert "categories" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.grant_access(ib, child, contact, consent, ["youth_care"], timezone.now() - timedelta(days=1))
    services.grant_access(ib, child, contact, consent, ["youth_care"], later)
    assert policy.decide(contact.user, child, "update", "youth_care").allowed
    assert not policy.decide(contact.user, child, "read", "support").allowed


def test_a_teacher_cannot_bring_in_help(child) -> None:  # type: ignore[no-untyped-def]
    teacher = teacher_of(child).user
    provider = OrganisationFactory(kind="provider")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    consent = consent_for(child, "provider", provider, ["youth_care"])
    with pytest.raises(PermissionDenied):
        services.grant_access(teacher, child, contact, consent, ["youth_care"], timezone.now() + timedelta(days=9))


def test_the_emergency_page_finds_the_child_by_bsn_in_the_form_not_the_url(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    child.set_bsn("111222333")
    child.save()
    worker = MembershipFactory(organisation=OrganisationFactory(kind="wijkteam"), role="wijkteam_worker")
    client = login(worker.user)
    assert client.get("/kinderen/noodtoegang/").status_code == 200
    unknown = client.post("/kinderen/noodtoegang/", {"bsn": "123456782", "reason": REASON})
    assert unknown.status_code == 400 and not EmergencyAccess.objects.exists()
    response = client.post("/kinderen/noodtoegang/", {"bsn": "111222333", "reason": REASON})
    assert response.status_code == 302 and response["Location"] == f"/kinderen/{child.pk}/"
    assert EmergencyAccess.objects.get().reason == REASON
    assert client.get(response["Location"]).status_code == 200


def test_teachers_have_no_emergency_button(login) -> None:  # type: ignore[no-untyped-def]
    teacher = MembershipFactory(role="teacher")
    assert login(teacher.user).get("/kinderen/noodtoegang/").status_code == 403


def test_a_school_staff_seat_ends_when_the_child_changes_school(child, ib) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import SchoolFactory

    teacher = MembershipFactory(organisation=child.school, role="teacher")
    services.add_team_member(ib, child, teacher)
    child.school = SchoolFactory()
    child.save()
    assert not policy.decide(teacher.user, child, "read", "support").in_scope
    from rondom.access.policy import children_in_scope

    assert child not in children_in_scope(teacher.user)


def test_a_grant_lasts_at_most_the_configured_number_of_days(child, ib, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ACCESS_GRANT_MAX_DAYS = 30
    provider = OrganisationFactory(kind="provider")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    consent = consent_for(child, "provider", provider, ["youth_care"])
    with pytest.raises(ValidationError) as exc:
        services.grant_access(ib, child, contact, consent, ["youth_care"], timezone.now() + timedelta(days=31))
    assert "valid_until" in exc.value.message_dict


def test_pressing_the_emergency_button_is_logged_as_emergency_even_with_another_ground(child, ib) -> None:  # type: ignore[no-untyped-def]
    membership = ib.memberships.get()
    access = services.start_emergency_access(ib, child, membership, REASON)
    row = AccessLogEntry.objects.get(object_type="emergency_access", object_id=str(access.pk))
    assert row.emergency and row.ground == "emergency" and row.reason == REASON
