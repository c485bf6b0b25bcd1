"""The ground the escalation ladder gives (registered with rondom.access.grounds in ThuiszittersConfig.ready).

The deciding roles of every level a thuiszitter's case has reached, in organisations serving the child's home
municipality, see the thuiszitter record and record decisions while the child is at home
(rondom.access.rules.ESCALATION_RULES)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rondom.access import grounds, rules
from rondom.access.grounds import served, serves
from rondom.core.access_types import Basis, Permissions
from rondom.core.grounds import Ground

from .models import EscalationStep

if TYPE_CHECKING:
    from rondom.accounts.models import Membership
    from rondom.registry.models import Child


def _pairs(value: Any) -> list[dict[str, str]]:
    """The (role, kind) pairs of a level's deciders, as stored (a JSON list; some backends hand back text)."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


class EscalationGround:
    """Bases from the escalation ladder: one small query, only for users who hold a deciding role."""

    ground = Ground.ESCALATION
    roles = frozenset(rules.ESCALATION_RULES)

    def permissions(self, membership: Membership) -> Permissions:
        """What every basis this ground gives `membership` allows (for the policy's list scope)."""
        return rules.ESCALATION_RULES[membership.role]

    def bases(self, memberships: Sequence[Membership], child: Child, now: datetime, today: date) -> Iterator[Basis]:
        reached: dict[tuple[str, str], int] = {}
        for tz_id, pairs in EscalationStep.objects.filter(
            thuiszitter__child=child, thuiszitter__ended_on__isnull=True
        ).values_list("thuiszitter_id", "level__deciders"):
            for pair in _pairs(pairs):
                reached[(pair["role"], pair["kind"])] = tz_id
        for m in memberships:
            found = reached.get((m.role, m.organisation.kind))
            if found is not None and serves(m, child.home_municipality_id):
                yield grounds.basis(Ground.ESCALATION, rules.ESCALATION_RULES[m.role], m, ref=f"escalation:{found}")

    def children(self, memberships: Sequence[Membership], now: datetime, today: date) -> set[int]:
        found: set[int] = set()
        for m in memberships:
            steps = EscalationStep.objects.filter(
                thuiszitter__ended_on__isnull=True,
                thuiszitter__child__home_municipality_id__in=served(m),
            ).values_list("thuiszitter__child_id", "level__deciders")
            pair = (m.role, m.organisation.kind)
            found |= {child_id for child_id, pairs in steps if pair in {(p["role"], p["kind"]) for p in _pairs(pairs)}}
        return found
