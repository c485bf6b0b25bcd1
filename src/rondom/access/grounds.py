"""Grounds that other apps add from their own data, registered with the access policy when those apps start.

The policy (rondom.access.policy) reads the grounds it owns itself: school roles, legal tasks, support-team seats,
grants, parental authority, the youth's own record and emergency access. Some grounds rest on data of apps built on
top of access: an open absence signal (attendance), the escalation ladder of a thuiszitter (thuiszitters) and a
request for help addressed to someone (cases). Those apps register a `GroundProvider` in their `AppConfig.ready`,
so that access never imports them (docs/architecture.md: the layers).

A provider answers the same question twice, as the policy does: per child (`bases`) and as a list scope
(`children`); both must agree: a child is in `children` exactly when `bases` yields a basis on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from rondom.accounts.authority import served_municipalities
from rondom.core.access_types import Basis

if TYPE_CHECKING:
    from rondom.accounts.models import Membership
    from rondom.registry.models import Child


class GroundProvider(Protocol):
    """A source of grounds outside access.

    `ground`: the ground it gives (rondom.core.grounds.Ground); the policy asks it at that ground's place in
    rules.GROUND_ORDER. `roles`: the roles it can give a ground to; users without one of them never cost a query.
    `bases(memberships, child, now, today)`: the bases on one child, in the order of `memberships` (the user's active
    professional roles, with `served_municipality_ids` read for municipal task roles). `children(memberships, now,
    today)`: the ids of every child on which `bases` would yield at least one basis. Neither raises."""

    ground: str
    roles: frozenset[str]

    def bases(self, memberships: Sequence[Membership], child: Child, now: datetime, today: date) -> Iterator[Basis]: ...

    def children(self, memberships: Sequence[Membership], now: datetime, today: date) -> set[int]: ...


_providers: list[GroundProvider] = []


def register(provider: GroundProvider) -> None:
    """Add a provider (called from an AppConfig.ready). Registering the same provider twice keeps one: ready() may
    run more than once in tests."""
    if not any(type(p) is type(provider) for p in _providers):
        _providers.append(provider)


def providers(ground: str | None = None) -> tuple[GroundProvider, ...]:
    """The registered providers, all of them or those of one ground, in the order they were registered."""
    return tuple(p for p in _providers if ground is None or p.ground == ground)


def provider_roles() -> frozenset[str]:
    """Every role some provider can give a ground to."""
    return frozenset(role for p in _providers for role in p.roles)


def served(m: Membership) -> set[int]:
    """The municipalities an organisation serves: listed in `serves_municipalities` (set by the gemeente's
    functioneel beheerder or the platform administrator) or configured as its gemeente. There is no fallback to the
    organisation's own `municipality`: an organisation anyone created gives no ground (issue 12, finding 1). Read
    once per membership object (the policy reads them for all municipal task roles at once)."""
    if not hasattr(m, "served_municipality_ids"):
        found = served_municipalities([m.organisation_id])
        m.served_municipality_ids = found.get(m.organisation_id, set())  # type: ignore[attr-defined]
    return set(m.served_municipality_ids)  # type: ignore[attr-defined]


def serves(m: Membership, municipality_id: int | None) -> bool:
    """Whether the membership's organisation serves this municipality (`served`)."""
    return municipality_id in served(m)


def bases(ground: str, memberships: Sequence[Membership], child: Child, now: datetime, today: date) -> Iterator[Basis]:
    """The bases the providers of `ground` give on `child`; a provider is asked only when the user holds one of its
    roles."""
    for provider in providers(ground):
        mine = [m for m in memberships if m.role in provider.roles]
        if mine:
            yield from provider.bases(mine, child, now, today)


def children(memberships: Sequence[Membership], now: datetime, today: date) -> set[int]:
    """The children every provider reaches for these memberships (the list scope of `bases`)."""
    found: set[int] = set()
    for provider in _providers:
        mine = [m for m in memberships if m.role in provider.roles]
        if mine:
            found |= provider.children(mine, now, today)
    return found
