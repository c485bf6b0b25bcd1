"""Withdrawing consent takes effect at once for every access that relied on it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from rondom.access import policy
from rondom.access.models import AccessGrant, TeamMembership
from rondom.audit.models import AccessLogEntry
from rondom.consent.models import Capacity
from rondom.records.consent import Giver, withdraw_consent
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    OrganisationFactory,
    born_years_ago,
    consent_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    child = ChildFactory(date_of_birth=born_years_ago(9))
    mother = GuardianshipFactory(child=child)
    provider = OrganisationFactory(kind="provider")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    smw = MembershipFactory(organisation=provider, role="school_social_worker")
    grant_consent = consent_for(child, "provider", provider, ["support", "youth_care"])
    team_consent = consent_for(child, "support_team", provider, ["support"])
    AccessGrant.objects.create(
        child=child,
        grantee=contact,
        consent=grant_consent,
        categories=["youth_care"],
        valid_from=timezone.now(),
        valid_until=timezone.now() + timedelta(days=60),
    )
    TeamMembership.objects.create(child=child, membership=smw, consent=team_consent)
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    return {
        "child": child,
        "mother": mother,
        "contact": contact.user,
        "smw": smw.user,
        "ib": ib,
        "grant_consent": grant_consent,
        "team_consent": team_consent,
    }


def test_provider_loses_access_when_consent_is_withdrawn(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["contact"])
    url = f"/api/children/{world['child'].pk}/"
    assert client.get(url).status_code == 200
    withdraw_consent(world["mother"].user, world["grant_consent"])
    assert client.get(url).status_code == 404
    assert world["child"].pk not in [c["id"] for c in client.get("/api/children/").json()["results"]]


def test_external_team_member_leaves_the_team_when_consent_is_withdrawn(world) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    assert policy.decide(world["smw"], child, "read", "support").allowed
    withdraw_consent(world["ib"], world["team_consent"], on_behalf=Giver(Capacity.PARENT, world["mother"]))
    assert not policy.decide(world["smw"], child, "read", "support").in_scope


def test_the_policy_names_the_consent_that_allowed_access(world) -> None:  # type: ignore[no-untyped-def]
    decision = policy.decide(world["contact"], world["child"], "read", "youth_care")
    assert decision.allowed
    assert decision.ground == "grant"
    assert decision.ground_ref == f"consent:{world['grant_consent'].pk}"


def test_withdrawal_is_logged_in_the_same_transaction(world) -> None:  # type: ignore[no-untyped-def]
    withdraw_consent(world["mother"].user, world["grant_consent"])
    row = AccessLogEntry.objects.get(object_type="consent", object_id=str(world["grant_consent"].pk))
    assert row.action == "update"
    assert row.ground == "parent"


def test_a_professional_records_a_withdrawal_only_on_someones_behalf(world) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        withdraw_consent(world["ib"], world["grant_consent"])
    world["grant_consent"].refresh_from_db()
    assert world["grant_consent"].withdrawn_at is None


def test_a_provider_cannot_withdraw_a_consent(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        withdraw_consent(world["contact"], world["grant_consent"], on_behalf=Giver(Capacity.PARENT, world["mother"]))


def test_withdrawal_through_the_api_cuts_access_at_once(world, login, client) -> None:  # type: ignore[no-untyped-def]
    parent_client = login(world["mother"].user)
    url = f"/api/children/{world['child'].pk}/consents/{world['grant_consent'].pk}/withdraw/"
    assert parent_client.post(url, {}, content_type="application/json").status_code == 200
    assert not policy.decide(world["contact"], world["child"], "read", "youth_care").in_scope


def test_the_withdrawal_records_on_whose_behalf_it_was_made(world) -> None:  # type: ignore[no-untyped-def]
    withdraw_consent(world["ib"], world["team_consent"], on_behalf=Giver(Capacity.PARENT, world["mother"]))
    withdraw_consent(world["mother"].user, world["grant_consent"])
    world["team_consent"].refresh_from_db()
    world["grant_consent"].refresh_from_db()
    assert world["team_consent"].withdrawn_on_behalf == "parent" and world["team_consent"].withdrawn_by == world["ib"]
    assert world["grant_consent"].withdrawn_on_behalf == "parent"


def test_a_consent_backed_model_that_does_not_say_who_holds_its_access_is_refused_at_start_up() -> None:
    """Who loses access on a withdrawal is read from each consent-backed model (holder, holding_q): a model that
    leaves either out cannot exist, so no withdrawal ever meets an unanswered question."""
    from datetime import datetime

    from django.db.models import Q

    from rondom.consent.backed import ConsentBacked

    with pytest.raises(TypeError, match="names no `holder`"):
        type("Seat", (ConsentBacked,), {})
    with pytest.raises(TypeError, match="no `holding_q"):
        type("Seat", (ConsentBacked,), {"holder": "membership"})

    class Complete(ConsentBacked):
        holder = "membership"

        @classmethod
        def holding_q(cls, now: datetime) -> Q:
            return Q()

    assert Complete.holding_q(datetime(2026, 11, 29)) == Q()
