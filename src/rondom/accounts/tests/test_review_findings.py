"""Findings 3, 4 and 9 of the review of issue 15 (branch review/15, tests/test_review_15.py), and what was found
with them in the new-user trial: staff invitations x single sign-on, a teacher who is also a parent, and the API
clients' roles, log and page."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rondom.accounts.models import User
from tests.factories import ChildFactory, GuardianshipFactory, MembershipFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _sso_settings(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_STAFF_OIDC_ORGANISATION_CLAIM = "organisation"
    settings.RONDOM_STAFF_OIDC_ROLE_CLAIM = "roles"
    settings.RONDOM_STAFF_OIDC_ROLE_MAP = {"Rondom.Leerkracht": "teacher", "Rondom.IB": "intern_begeleider"}
    settings.RONDOM_STAFF_OIDC_MFA_ACR_VALUES = []
    settings.RONDOM_STAFF_OIDC_MFA_AMR_VALUES = []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_client_role_needs_the_task_right_to_grant_that_role() -> None:
    """A samenwerkingsverband's own functioneel beheerder may not grant the role policy_officer, so he may not
    create an API client whose service account holds it (he holds its secret)."""
    from rondom.access import tasks
    from rondom.apiclients import services

    swv = OrganisationFactory(kind="swv", name="SWV IJssel-Vecht")
    beheerder = MembershipFactory(organisation=swv, role="functional_admin").user
    assert tasks.may(beheerder, "manage_api_clients", swv)
    assert not tasks.may(beheerder, "role.grant.policy_officer", swv)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.create_client(
            beheerder, swv, name="Eigen systeem", scopes=["monitoring:read"], role="policy_officer", now=now
        )


def test_a_school_beheerder_gives_no_client_a_role_that_reads_child_data_he_does_not_hold() -> None:
    """He may grant intern begeleider to a colleague, but not to an account whose secret he holds (grant_role's
    rule against giving oneself a role); his own role (the default) he may give."""
    from rondom.apiclients import services

    school = SchoolFactory()
    beheerder = MembershipFactory(organisation=school, role="functional_admin").user
    with pytest.raises(PermissionDenied):
        services.create_client(
            beheerder, school, name="Eigen", scopes=["absence:write"], role="intern_begeleider", now=NOW
        )
    client, _secret = services.create_client(beheerder, school, name="Eigen", scopes=["absence:write"], now=NOW)
    assert client.membership.role == "functional_admin"


def test_creating_rotating_and_ending_a_client_is_in_the_administration_log() -> None:
    from rondom.apiclients import services
    from rondom.audit.models import AdministrationLogEntry

    school = SchoolFactory()
    beheerder = MembershipFactory(organisation=school, role="functional_admin").user
    client, _secret = services.create_client(beheerder, school, name="ParnasSys", scopes=["absence:write"], now=NOW)
    services.rotate_secret(beheerder, client, now=NOW)
    services.end_client(beheerder, client, now=NOW)
    rows = AdministrationLogEntry.objects.filter(subject_user_id=client.user_id).order_by("seq")
    assert [r.action for r in rows] == ["create_api_client", "rotate_api_client_secret", "end_api_client"]
    assert all(r.actor_id == beheerder.pk and r.organisation_id == school.pk for r in rows)


def test_an_invitation_never_hands_roles_to_an_sso_account_that_merely_claims_the_address(settings) -> None:  # type: ignore[no-untyped-def]
    """A teacher signs on once with a colleague's address as (unverified) e-mail claim; the colleague's invitation
    gives that SSO account nothing."""
    from rondom.records import staff, staff_sso

    _sso_settings(settings)
    school = SchoolFactory(brin="12AB", vestiging="00", sso_value="12AB00")
    admin = MembershipFactory(organisation=school, role="functional_admin").user
    issuer = "https://idp.example"
    claims = {"sub": "mallory", "organisation": "12AB00", "roles": "Rondom.Leerkracht", "email": "ivo@school-a.nl"}
    signed = staff_sso.sign_on(issuer, claims, claims, now=NOW)
    mallory = signed.identity.user
    with contextlib.suppress(PermissionDenied, ValidationError):
        staff.invite(
            admin, school, first_name="Ivo", last_name="Bakker", email="ivo@school-a.nl", roles=["intern_begeleider"],
            today=NOW.date(), now=NOW, base_url="https://rondom.example",
        )  # fmt: skip
    assert not mallory.memberships.filter(role="intern_begeleider").exists()


def test_sso_keeps_the_email_claim_only_when_the_provider_verified_it(settings) -> None:  # type: ignore[no-untyped-def]
    from rondom.records import staff_sso

    _sso_settings(settings)
    SchoolFactory(brin="12AB", vestiging="00", sso_value="12AB00")
    base = {"organisation": "12AB00", "roles": "Rondom.Leerkracht", "email": "a@school-a.nl"}
    unverified = {"sub": "one", **base}
    verified = {"sub": "two", **base, "email": "b@school-a.nl", "email_verified": True}
    assert staff_sso.sign_on("https://idp.example", unverified, unverified, now=NOW).identity.user.email == ""
    assert staff_sso.sign_on("https://idp.example", verified, verified, now=NOW).identity.user.email == "b@school-a.nl"


def test_an_invitation_to_a_verified_sso_address_makes_a_separate_account_whose_link_sets_its_own_password(
    settings,  # type: ignore[no-untyped-def]
) -> None:
    from rondom.accounts.invitations import invited_user, link_parts
    from rondom.records import staff, staff_sso

    _sso_settings(settings)
    school = SchoolFactory(brin="12AB", vestiging="00", sso_value="12AB00")
    admin = MembershipFactory(organisation=school, role="functional_admin").user
    claims = {"sub": "ivo", "organisation": "12AB00", "roles": "Rondom.Leerkracht", "email": "ivo@school-a.nl"}
    claims["email_verified"] = True
    sso_account = staff_sso.sign_on("https://idp.example", claims, claims, now=NOW).identity.user
    invited = staff.invite(
        admin, school, first_name="Ivo", last_name="Bakker", email="ivo@school-a.nl", roles=["intern_begeleider"],
        today=NOW.date(), now=NOW, base_url="https://rondom.example",
    )  # fmt: skip
    assert invited.created and invited.user.pk != sso_account.pk
    assert not sso_account.memberships.filter(role="intern_begeleider").exists()
    assert invited_user(*link_parts(invited.user, NOW), NOW) == invited.user
    assert invited_user(*link_parts(sso_account, NOW), NOW) is None  # an SSO account never gets a password


def test_a_teacher_who_is_also_a_parent_at_the_school_can_be_invited(settings) -> None:  # type: ignore[no-untyped-def]
    """The parents import made a family account with the mother's address; the invitation makes her a separate
    professional account (another username) and leaves the family account as it was."""
    from rondom.records import staff

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    school = SchoolFactory()
    admin = MembershipFactory(organisation=school, role="functional_admin").user
    mother = User(username="ouder-abc", first_name="Eva", last_name="de Wit", email="eva@example.nl")
    mother.set_unusable_password()
    mother.save()
    GuardianshipFactory(child=ChildFactory(school=school), user=mother)
    invited = staff.invite(
        admin, school, first_name="Eva", last_name="de Wit", email="eva@example.nl", roles=["teacher"],
        today=NOW.date(), now=NOW, base_url="https://rondom.example",
    )  # fmt: skip
    assert invited.roles == ["teacher"]
    assert invited.created and invited.user.pk != mother.pk and invited.user.username != mother.username
    assert not mother.memberships.exists()
