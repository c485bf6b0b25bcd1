"""The warm transfer's rules (issue 16, part 4; docs/transfers.md)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rondom.access import policy
from rondom.access.models import AccessGrant, TeamMembership
from rondom.audit.models import AccessLogEntry
from rondom.cases import workflow
from rondom.cases.models import Case, CaseStatus, HelpRequest
from rondom.cases.services import support_team_for
from rondom.cases.timeline import timeline
from rondom.core.errors import Conflict
from rondom.registry.models import Child
from rondom.transfers import services
from rondom.transfers.models import Transfer, TransferredHelp, TransferState
from tests.factories import MembershipFactory, OrganisationFactory, SchoolFactory, consent_for

from . import world as w

pytestmark = pytest.mark.django_db


def _offer_kwargs(world: w.World, **changes):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    kwargs = {
        "to_school": world.vo,
        "kind": "po_vo",
        "moves_on": today + timedelta(days=14),
        "previous_access_until": today + timedelta(days=30),
        "message": "",
        "help_ids": [],
        "professional_ids": [],
        "today": today,
    }
    kwargs.update(changes)
    return kwargs


@pytest.mark.parametrize(
    "to_school",
    [None, "wijkteam", "same"],
    ids=["does-not-exist", "not-a-school", "same-school"],
)
def test_a_transfer_to_a_school_that_does_not_exist_is_not_a_school_or_the_same_is_refused(to_school) -> None:  # type: ignore[no-untyped-def]
    world = w.build()
    target = {None: None, "wijkteam": OrganisationFactory(kind="wijkteam"), "same": world.po}[to_school]
    with pytest.raises(ValidationError) as error:
        services.offer_transfer(world.po_ib, world.child, **_offer_kwargs(world, to_school=target))
    assert "to_school" in error.value.message_dict
    assert not Transfer.objects.exists()


def test_find_school_by_brin_or_name_and_nothing_for_an_unknown_one() -> None:
    world = w.build()
    assert services.find_school("34CD") == world.vo
    assert services.find_school("34cd00") == world.vo
    assert services.find_school("thomas a kempis college") == world.vo
    assert services.find_school("Bestaat Niet") is None
    OrganisationFactory(kind="wijkteam", name="Wijkteam Noord")
    assert services.find_school("Wijkteam Noord") is None


def test_previous_access_ends_at_the_latest_with_the_school_year_and_not_before_the_move() -> None:
    world = w.build()
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.offer_transfer(
            world.po_ib,
            world.child,
            **_offer_kwargs(world, previous_access_until=today + timedelta(days=3)),
        )
    assert "previous_access_until" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.offer_transfer(
            world.po_ib, world.child, **_offer_kwargs(world, previous_access_until=today + timedelta(days=400))
        )
    assert "previous_access_until" in error.value.message_dict


def test_only_the_ib_or_zorgcoordinator_of_the_childs_school_offers() -> None:
    world = w.build()
    teacher = MembershipFactory(organisation=world.po, role="school_social_worker").user
    with pytest.raises(PermissionDenied):
        services.offer_transfer(teacher, world.child, **_offer_kwargs(world))
    assert not Transfer.objects.exists()


def test_one_open_transfer_per_child() -> None:
    world = w.build()
    w.offer(world)
    other = SchoolFactory(school_type="vo")
    with pytest.raises(ValidationError) as error:
        services.offer_transfer(world.po_ib, world.child, **_offer_kwargs(world, to_school=other))
    assert "child" in error.value.message_dict
    assert Transfer.objects.count() == 1


def test_the_receiving_school_sees_nothing_until_the_family_consents() -> None:
    world = w.build()
    w.offer(world)
    assert not policy.decide(world.vo_ib, world.child, "read", "identity").in_scope
    assert services.incoming(world.vo_ib, today=timezone.localdate()) == []
    w.consent(world)
    decision = policy.decide(world.vo_ib, world.child, "read", "support")
    assert decision.allowed and decision.ground == "transfer"
    assert not policy.decide(world.vo_ib, world.child, "update", "support").allowed
    assert [i.transfer.child for i in services.incoming(world.vo_ib, today=timezone.localdate())] == [world.child]


def test_withdrawing_the_consent_ends_the_receiving_schools_look_at_once() -> None:
    world = w.build()
    w.offer(world)
    w.consent(world)
    consent = world.child.consents.get(purpose="transfer")
    consent.withdrawn_at = timezone.now()
    consent.save()
    assert not policy.decide(world.vo_ib, world.child, "read", "identity").in_scope


def test_the_family_consents_in_the_portal_when_deciding_alone() -> None:
    world = w.build()
    transfer = w.offer(world)
    from rondom.portal.services import opened

    found = opened(world.parent, world.child.pk)
    consent = services.consent_in_portal(world.parent, found, transfer, today=timezone.localdate())
    assert consent.purpose == "transfer" and consent.recipient == world.vo
    assert services.consent_in_portal(world.parent, found, transfer, today=timezone.localdate()) == consent
    assert policy.decide(world.vo_zc, world.child, "read", "support").allowed
    assert AccessLogEntry.objects.filter(child_id=world.child.pk, object_type="consent", action="create").exists()


def test_a_youth_of_16_decides_alone_and_parents_cannot_consent_for_them() -> None:
    world = w.build(age=16)
    assert services.family_may_consent_alone(world.child, "youth", timezone.localdate())
    assert not services.family_may_consent_alone(world.child, "parent", timezone.localdate())


def test_opening_records_the_receipt_once() -> None:
    world = w.build()
    transfer = w.offer(world)
    first = timezone.now()
    services.record_receipt(transfer, now=first)
    services.record_receipt(transfer, now=first + timedelta(hours=1))
    transfer.refresh_from_db()
    assert transfer.received_at == first


def _case_with_help(world: w.World, *, continues: bool):  # type: ignore[no-untyped-def]
    team = support_team_for(world.po)
    case = Case.objects.create(child=world.child, team=team, question="Overstap", decision_due=timezone.localdate())
    case.status = CaseStatus.objects.create(case=case, state=workflow.State.PLAN_ACTIVE)
    case.save()
    provider = OrganisationFactory(kind="provider")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    consent = consent_for(world.child, "provider", provider, ["support"])
    grant = AccessGrant.objects.create(
        child=world.child,
        grantee=contact,
        consent=consent,
        categories=["support"],
        valid_from=timezone.now(),
        valid_until=timezone.now() + timedelta(days=80),
    )
    request = HelpRequest.objects.create(
        case=case,
        kind="bring_in",
        provider=provider,
        contact=contact,
        question="?",
        consent=consent,
        categories=["support"],
        ends_on=timezone.localdate() + timedelta(days=80),
        grant=grant,
        joined_at=timezone.now(),
    )
    po_seat = TeamMembership.objects.create(
        child=world.child, membership=MembershipFactory(organisation=world.po, role="school_social_worker")
    )
    return case, request, grant, po_seat


@pytest.mark.parametrize("continues", [True, False])
def test_acceptance_moves_the_child_its_open_case_and_keeps_help_only_when_it_continues(continues: bool) -> None:
    world = w.build()
    case, request, grant, po_seat = _case_with_help(world, continues=continues)
    today = timezone.localdate()
    transfer = services.offer_transfer(world.po_ib, world.child, **_offer_kwargs(world, help_ids=[request.pk]))
    TransferredHelp.objects.filter(transfer=transfer).update(continues=continues)
    w.consent(world)
    world.child.school_group_id = None
    services.accept_transfer(world.vo_zc, transfer, version=transfer.version, today=today, now=timezone.now())
    child = Child.objects.get(pk=world.child.pk)
    assert child.school == world.vo and child.group == "" and child.left_school_on is None
    assert Case.objects.get(pk=case.pk).team.school == world.vo
    assert TeamMembership.objects.get(pk=po_seat.pk).ended_at is not None
    grant.refresh_from_db()
    request.refresh_from_db()
    if continues:
        assert request.closed_at is None and grant.valid_until > timezone.now() + timedelta(days=60)
    else:
        assert request.closed_at is not None
        assert grant.valid_until <= timezone.make_aware(
            timezone.datetime.combine(transfer.moves_on, timezone.datetime.min.time())
        )
    transfer.refresh_from_db()
    assert transfer.state == TransferState.ACCEPTED and transfer.received_at is not None
    rows = AccessLogEntry.objects.filter(child_id=child.pk, user_id=world.vo_zc.pk, action="update")
    assert set(rows.values_list("object_type", flat=True)) == {"transfer", "child"}
    assert set(rows.values_list("ground", flat=True)) == {"transfer"}


def test_after_acceptance_the_vo_writes_and_the_po_reads_until_the_set_date_then_nothing() -> None:
    world = w.build()
    transfer = w.offer(world)
    w.consent(world)
    services.accept_transfer(world.vo_zc, transfer, version=1, today=timezone.localdate(), now=timezone.now())
    child = Child.objects.get(pk=world.child.pk)
    assert policy.decide(world.vo_zc, child, "update", "support").allowed
    po = policy.decide(world.po_ib, child, "read", "support")
    assert po.allowed and po.ground == "transfer"
    assert not policy.decide(world.po_ib, child, "update", "support").allowed
    later = timezone.now() + timedelta(days=(transfer.previous_access_until - timezone.localdate()).days + 1)
    assert not policy.decide(world.po_ib, child, "read", "identity", now=later).in_scope


def test_double_accept_is_idempotent_and_another_decision_on_the_old_version_conflicts() -> None:
    world = w.build()
    transfer = w.offer(world)
    w.consent(world)
    today, now = timezone.localdate(), timezone.now()
    first = services.accept_transfer(world.vo_zc, transfer, version=1, today=today, now=now)
    again = services.accept_transfer(world.vo_zc, transfer, version=1, today=today, now=now)
    assert again.pk == first.pk and again.version == first.version == 2
    with pytest.raises(Conflict):
        services.decline_transfer(world.vo_ib, transfer, reason="vol", version=1, now=now)


def test_decline_needs_a_reason_and_keeps_everything_at_the_old_school() -> None:
    world = w.build()
    transfer = w.offer(world)
    w.consent(world)
    with pytest.raises(ValidationError) as error:
        services.decline_transfer(world.vo_zc, transfer, reason=" ", version=1, now=timezone.now())
    assert "decline_reason" in error.value.message_dict
    services.decline_transfer(world.vo_zc, transfer, reason="Geen plek in klas 1.", version=1, now=timezone.now())
    child = Child.objects.get(pk=world.child.pk)
    assert child.school == world.po and child.group == "8"
    assert policy.decide(world.po_ib, child, "update", "support").allowed
    assert not policy.decide(world.vo_zc, child, "read", "identity").in_scope


def test_the_transfer_is_in_the_timeline() -> None:
    world = w.build()
    transfer = w.offer(world)
    w.consent(world)
    services.accept_transfer(world.vo_zc, transfer, version=1, today=timezone.localdate(), now=timezone.now())
    child = Child.objects.get(pk=world.child.pk)
    decision = policy.decide(world.vo_zc, child, "read", "support")
    kinds = [e.kind for e in timeline(child, decision=decision, readable={"support", "identity"})]
    assert "transfer" in kinds and "transfer_accepted" in kinds


def test_the_list_scope_agrees_with_the_per_child_answer_in_every_state() -> None:
    """policy.children_in_scope holds the child exactly when a ground on it is given (tests/test_scope_property.py's
    rule, for the two transfer grounds): offered without and with consent, accepted, after the set date."""
    world = w.build()

    def agrees(now=None) -> None:  # type: ignore[no-untyped-def]
        for user in (world.po_ib, world.vo_ib, world.vo_zc):
            fresh = type(user).objects.get(pk=user.pk)
            child = Child.objects.get(pk=world.child.pk)
            listed = policy.children_in_scope(fresh, now=now).filter(pk=child.pk).exists()
            assert listed == policy.decide(fresh, child, "read", "identity", now=now).in_scope

    transfer = w.offer(world)
    agrees()
    w.consent(world)
    agrees()
    services.accept_transfer(world.vo_zc, transfer, version=1, today=timezone.localdate(), now=timezone.now())
    agrees()
    transfer.refresh_from_db()
    agrees(now=timezone.now() + timedelta(days=(transfer.previous_access_until - timezone.localdate()).days + 1))


def test_the_sql_of_the_grounds_names_exactly_the_roles_of_the_rule_tables() -> None:
    from rondom.transfers.grounds import TRANSFER_ROLES, PreviousSchoolGround, ReceivingSchoolGround

    for source in (ReceivingSchoolGround, PreviousSchoolGround):
        listed = re.search(r"m\.role IN \(([^)]*)\)", source.sql)
        assert listed is not None
        named = set(re.findall(r"'(\w+)'", listed.group(1)))
        assert named == set(TRANSFER_ROLES)


@pytest.mark.parametrize("ending", ["decline", "withdraw"])
def test_a_consent_is_spent_with_its_transfer_and_a_new_offer_asks_again(ending: str) -> None:
    """A consent to share with the next school belongs to one transfer: after a decline or a withdrawal, a new offer
    to the same school opens nothing until the family consents again (review of issue 16)."""
    world = w.build()
    transfer = w.offer(world)
    w.consent(world)
    assert policy.decide(world.vo_zc, world.child, "read", "support").allowed
    if ending == "decline":
        services.decline_transfer(world.vo_zc, transfer, reason="Geen plek.", version=1, now=timezone.now())
    else:
        services.withdraw_transfer(world.po_ib, transfer, version=1, today=timezone.localdate())
    again = w.offer(world)
    child = Child.objects.get(pk=world.child.pk)
    assert not policy.decide(world.vo_zc, child, "read", "identity").in_scope
    assert not policy.children_in_scope(world.vo_zc).filter(pk=child.pk).exists()
    assert services.consent_in_force(again, timezone.localdate()) is None
    w.consent(world)
    assert policy.decide(world.vo_zc, child, "read", "support").allowed
    assert policy.children_in_scope(world.vo_zc).filter(pk=child.pk).exists()
