"""The SWV_REQUEST ground: the SWV's loket and experts read a child while a request of it to their SWV is open on
the family's consent, restricted to the consent's categories, until access ends (rondom.swv.grounds)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rondom.access import policy
from rondom.core.grounds import Ground
from rondom.swv.models import RequestState
from tests.factories import OrganisationFactory, consent_for

from .loket_world import request_for, world

pytestmark = pytest.mark.django_db


def _reads(membership, child, category: str = "support") -> bool:  # type: ignore[no-untyped-def]
    return policy.decide(membership.user, child, "read", category).allowed


def _listed(membership, child) -> bool:  # type: ignore[no-untyped-def]
    return policy.children_in_scope(membership.user).filter(pk=child.pk).exists()


def test_without_a_request_the_swv_sees_nothing() -> None:
    w = world()
    consent_for(w.child, "swv", w.swv, ["support"])  # a consent alone gives nothing
    assert not policy.decide(w.loket.user, w.child, "read", "identity").in_scope
    assert not _listed(w.loket, w.child)


def test_loket_and_experts_read_identity_and_support_on_an_open_request() -> None:
    w = world()
    request_for(w)
    for m in (w.loket, w.ortho):
        decision = policy.decide(m.user, w.child, "read", "support")
        assert decision.allowed and decision.basis.ground == Ground.SWV_REQUEST
        assert decision.basis.ref.startswith("consent:")
        assert _reads(m, w.child, "identity") and _listed(m, w.child)
        assert not policy.decide(m.user, w.child, "update", "support").allowed  # reading only
        assert not _reads(m, w.child, "health")


def test_restricted_to_the_consents_categories() -> None:
    w = world()
    request_for(w, categories=["absence"])  # support not consented
    assert _reads(w.loket, w.child, "identity")
    assert not _reads(w.loket, w.child, "support")
    assert _listed(w.loket, w.child)


def test_no_consent_in_force_nothing() -> None:
    w = world()
    request = request_for(w)
    request.consent.withdrawn_at = timezone.now()
    request.consent.save()
    assert not policy.decide(w.loket.user, w.child, "read", "identity").in_scope
    assert not _listed(w.loket, w.child)


def test_a_consent_naming_another_organisation_gives_nothing() -> None:
    w = world()
    other = OrganisationFactory(kind="swv")
    request_for(w, consent=consent_for(w.child, "swv", other, ["support"]))
    assert not policy.decide(w.loket.user, w.child, "read", "identity").in_scope
    assert not _listed(w.loket, w.child)


def test_withdrawn_request_nothing() -> None:
    w = world()
    request_for(w, state=RequestState.WITHDRAWN, withdrawn_at=timezone.now())
    assert not policy.decide(w.ortho.user, w.child, "read", "identity").in_scope
    assert not _listed(w.ortho, w.child)


def test_access_ends_after_access_until() -> None:
    w = world()
    today = timezone.localdate()
    request = request_for(w, state=RequestState.GRANTED, access_until=today)
    assert _reads(w.loket, w.child) and _listed(w.loket, w.child)  # the last day still counts
    request.access_until = today - timedelta(days=1)
    request.save()
    assert not policy.decide(w.loket.user, w.child, "read", "identity").in_scope
    assert not _listed(w.loket, w.child)


def test_another_swv_sees_nothing() -> None:
    w, other = world(), world()
    request_for(w)
    assert not policy.decide(other.loket.user, w.child, "read", "identity").in_scope
    assert not _listed(other.loket, w.child)
