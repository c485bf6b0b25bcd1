"""Grounds that other apps add from their own data, registered with the access policy when those apps start.

The policy (rondom.access.policy) reads the grounds it owns itself: school roles, legal tasks, support-team seats,
grants, parental authority, the youth's own record and emergency access. Some grounds rest on data of apps built on
top of access: an open absence signal (attendance), the escalation ladder of a thuiszitter (thuiszitters) and a
request for help addressed to someone (cases). Those apps register a `GroundProvider` or a `FactSource` in their
`AppConfig.ready`, so that access never imports them (docs/architecture.md: the layers).

Each answers the same question twice, as the policy does: per child (`bases`, or rows of the policy's one query for
a `FactSource`) and as a list scope (`children`); both must agree: a child is in `children` exactly when a basis on
it is given.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from rondom.accounts.authority import served_municipalities
from rondom.core.access_types import Basis, Permissions
from rondom.core.grounds import Ground

from . import rules

if TYPE_CHECKING:
    from rondom.accounts.models import Membership
    from rondom.registry.models import Child


class GroundProvider(Protocol):
    """A source of grounds outside access that runs its own queries (for grounds only a few roles can hold).

    `ground`: the ground it gives (rondom.core.grounds.Ground); the policy asks it at that ground's place in
    rules.GROUND_ORDER. `roles`: the roles it can give a ground to; users without one of them never cost a query.
    `bases(memberships, child, now, today)`: the bases on one child, for those of the user's active professional
    memberships that hold one of `roles`. `children(memberships, now, today)`: the ids of every child on which
    `bases` would yield a basis. Neither raises.

    Optional, for the list scope of one action on one category (policy.allowed_children): `permissions(membership)`,
    the permissions (a row of access.rules) of every basis it gives that membership. A provider without it is
    answered by deciding its `children` one by one."""

    @property
    def ground(self) -> str: ...

    @property
    def roles(self) -> frozenset[str]: ...

    def bases(self, memberships: Sequence[Membership], child: Child, now: datetime, today: date) -> Iterator[Basis]: ...

    def children(self, memberships: Sequence[Membership], now: datetime, today: date) -> set[int]: ...


class FactSource(Protocol):
    """A ground outside access read in the policy's one per-child query (rondom.access.policy._child_facts), for a
    ground any professional can hold: a query of its own on every decision would cost more than the overhead budget
    (bench/bench_policy_overhead.py, policy_overhead_ms <= 2).

    `kind`: a short tag of its rows ([a-z_]; not one of the policy's own: parent, team, grant, emergency, group).
    `sql`: one SELECT of two columns (the membership id, a reference such as a consent id) for one child, in which
    `{ids}` stands for the membership ids' placeholders and `{active}` for the condition that the consent aliased `c`
    is in force today. `params(child_id, membership_ids, at, day)`: the
    parameters of `sql` in order (`at` and `day`: now and today, adapted for the database; `{active}` takes
    `day, day`). `basis(membership, ref)`: the basis one row gives (with `ref` None: what any row allows that
    membership, read by the list scope). `children`: as GroundProvider.children.

    A source whose rows carry the consent's categories (`restricted_by_consent = True`) also offers
    `consented(memberships, now, today) -> dict[child id, set of categories]` (the union over its rows per child) so
    the list scope of a category other than basic details is one query (policy.allowed_children); without it those
    children are decided one by one."""

    @property
    def kind(self) -> str: ...

    @property
    def ground(self) -> str: ...

    @property
    def roles(self) -> frozenset[str]: ...

    @property
    def sql(self) -> str: ...

    def params(self, child_id: int, membership_ids: Sequence[int], at: Any, day: Any) -> list[Any]: ...

    def basis(self, membership: Membership, ref: Any) -> Basis: ...

    def children(self, memberships: Sequence[Membership], now: datetime, today: date) -> set[int]: ...


_providers: list[GroundProvider] = []
_sources: list[FactSource] = []


def register(provider: GroundProvider | FactSource) -> None:
    """Add a provider or fact source (called from an AppConfig.ready). Registering one of the same class twice keeps
    one: ready() may run more than once in tests."""
    found: list[Any] = _sources if hasattr(provider, "sql") else _providers
    if not any(type(p) is type(provider) for p in found):
        found.append(provider)


def providers(ground: str | None = None) -> tuple[GroundProvider, ...]:
    """The registered providers, all of them or those of one ground, in the order they were registered."""
    return tuple(p for p in _providers if ground is None or p.ground == ground)


def fact_sources(ground: str | None = None) -> tuple[FactSource, ...]:
    """The registered fact sources, all of them or those of one ground, in the order they were registered."""
    return tuple(s for s in _sources if ground is None or s.ground == ground)


def _rule_rows() -> dict[str, list[Permissions]]:
    """Every permission row of the rule tables a registered ground may rest on, per ground."""
    return {
        Ground.LEGAL_TASK: [*rules.SIGNAL_TASK_RULES.values(), *rules.LEGAL_TASK_RULES.values()],
        Ground.ESCALATION: list(rules.ESCALATION_RULES.values()),
        Ground.REQUEST: [rules.REQUEST_PERMISSIONS],
        Ground.SWV_REQUEST: list(rules.SWV_REQUEST_RULES.values()),
        Ground.TRANSFER: [*rules.TRANSFER_RECEIVING_RULES.values(), *rules.TRANSFER_PREVIOUS_RULES.values()],
    }


def basis(
    ground: str, permissions: Permissions, membership: Membership, *, ref: str, consent_id: int | None = None
) -> Basis:
    """The one way a registered ground (a provider or fact source of another app) makes a `Basis`: `permissions`
    must be a row of access.rules' tables for that ground (by identity, so a provider cannot invent a right), and
    `ref` names what gave it (e.g. 'signal:12', 'escalation:3', 'consent:7'). Raises ValueError otherwise."""
    if not any(permissions is row for row in _rule_rows().get(ground, [])):
        raise ValueError(f"a registered ground {ground!r} may only rest on a row of access.rules")
    return Basis(ground, permissions, membership, consent_id, ref)


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
    """The children every provider and fact source reaches for these memberships (the list scope of their bases)."""
    found: set[int] = set()
    every: list[GroundProvider | FactSource] = [*_providers, *_sources]
    for provider in every:
        mine = [m for m in memberships if m.role in provider.roles]
        if mine:
            found |= provider.children(mine, now, today)
    return found
