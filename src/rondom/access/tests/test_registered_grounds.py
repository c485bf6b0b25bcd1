"""Grounds other apps add are registered with access when those apps start (issue 13, point 4): access imports none
of them, and a registered ground counts in the per-child decision and in the list scope alike."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from rondom.access import grounds, policy
from rondom.accounts.models import Membership, User
from rondom.attendance.signals import threshold_signals_raised
from rondom.core.access_types import Basis
from rondom.core.categories import Action, DataCategory
from rondom.core.grounds import Ground
from rondom.registry.models import Child
from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


class OneChildGround:
    """A ground for the test: a provider contact reads the basic details of the children named here."""

    ground = Ground.ESCALATION
    roles = frozenset({"provider_contact"})

    def __init__(self, child_ids: set[int]) -> None:
        self.child_ids = child_ids
        self.asked: list[str] = []

    def bases(self, memberships: Sequence[Membership], child: Child, now: datetime, today: date) -> Iterator[Basis]:
        self.asked.append("bases")
        if child.pk in self.child_ids:
            for m in memberships:
                yield Basis(Ground.ESCALATION, {DataCategory.IDENTITY: "r"}, m, ref=f"test:{child.pk}")

    def children(self, memberships: Sequence[Membership], now: datetime, today: date) -> set[int]:
        self.asked.append("children")
        return set(self.child_ids)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Any:
    def register(provider: OneChildGround) -> OneChildGround:
        monkeypatch.setattr(grounds, "_providers", [*grounds.providers(), provider])
        return provider

    return register


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # the roles are read once per user object (one request)


def test_attendance_thuiszitters_and_cases_register_their_grounds_at_start_up() -> None:
    assert {p.ground: type(p).__module__ for p in grounds.providers()} == {
        Ground.LEGAL_TASK: "rondom.attendance.grounds",
        Ground.ESCALATION: "rondom.thuiszitters.grounds",
    }
    assert {s.ground: type(s).__module__ for s in grounds.fact_sources()} == {
        Ground.REQUEST: "rondom.cases.grounds",
        Ground.SWV_REQUEST: "rondom.swv.grounds",
        Ground.TRANSFER: "rondom.transfers.grounds",
    }


def test_a_registered_ground_counts_for_the_decision_and_for_the_list(registered: Any) -> None:
    contact = MembershipFactory(role="provider_contact", organisation=OrganisationFactory(kind="provider"))
    child, other = ChildFactory(), ChildFactory()
    assert not policy.decide(fresh(contact.user), child, Action.READ, DataCategory.IDENTITY).in_scope
    assert not policy.children_in_scope(fresh(contact.user)).exists()

    registered(OneChildGround({child.pk}))

    decision = policy.decide(fresh(contact.user), child, Action.READ, DataCategory.IDENTITY)
    assert (decision.allowed, decision.ground, decision.ground_ref) == (True, Ground.ESCALATION, f"test:{child.pk}")
    assert not policy.decide(fresh(contact.user), child, Action.READ, DataCategory.SUPPORT).allowed
    assert not policy.decide(fresh(contact.user), other, Action.READ, DataCategory.IDENTITY).in_scope
    assert list(policy.children_in_scope(fresh(contact.user))) == [child]


def test_a_provider_is_not_asked_about_users_without_its_roles(registered: Any) -> None:
    teacher = MembershipFactory(role="teacher")
    child = ChildFactory(school=teacher.organisation)
    provider = registered(OneChildGround({child.pk}))
    policy.bases_for(fresh(teacher.user), child)
    policy.children_in_scope(fresh(teacher.user))
    assert provider.asked == []


def test_new_absence_signals_reach_the_thuiszitter_register(monkeypatch: pytest.MonkeyPatch) -> None:
    """attendance announces new signals; thuiszitters (connected at start-up) registers from them."""
    seen: list[tuple[list[Any], date | None]] = []
    monkeypatch.setattr(
        "rondom.thuiszitters.services.register_from_signals", lambda signals, today=None: seen.append((signals, today))
    )
    threshold_signals_raised.send(sender=None, signals=["a signal"], today=date(2026, 3, 2))
    assert seen == [(["a signal"], date(2026, 3, 2))]
