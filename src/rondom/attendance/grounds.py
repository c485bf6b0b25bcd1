"""The ground an open absence signal gives (registered with rondom.access.grounds in AttendanceConfig.ready).

A signal addressed to a role outside school (the youth doctor for sick leave, M@ZL) gives that role, in an
organisation serving the child's home municipality, a legal-task ground while the signal is open
(rondom.access.rules.SIGNAL_TASK_RULES)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from rondom.access import grounds, rules
from rondom.access.grounds import served, serves
from rondom.core.access_types import Basis, Permissions
from rondom.core.grounds import Ground

from .models import ThresholdSignal

if TYPE_CHECKING:
    from rondom.accounts.models import Membership
    from rondom.registry.models import Child


class OpenSignalGround:
    """Bases from open absence signals: one small query, only for users who hold a signal role."""

    ground = Ground.LEGAL_TASK
    roles = frozenset(rules.SIGNAL_TASK_RULES)

    def permissions(self, membership: Membership) -> Permissions:
        """What every basis this ground gives `membership` allows (for the policy's list scope)."""
        return rules.SIGNAL_TASK_RULES[membership.role]

    def bases(self, memberships: Sequence[Membership], child: Child, now: datetime, today: date) -> Iterator[Basis]:
        open_signals = dict(
            ThresholdSignal.objects.filter(
                child=child, handled_at__isnull=True, role__in={m.role for m in memberships}
            ).values_list("role", "pk")
        )
        for m in memberships:
            if m.role in open_signals and serves(m, child.home_municipality_id):
                yield grounds.basis(
                    Ground.LEGAL_TASK, rules.SIGNAL_TASK_RULES[m.role], m, ref=f"signal:{open_signals[m.role]}"
                )

    def children(self, memberships: Sequence[Membership], now: datetime, today: date) -> set[int]:
        found: set[int] = set()
        for m in memberships:
            found |= set(
                ThresholdSignal.objects.filter(
                    role=m.role, handled_at__isnull=True, child__home_municipality_id__in=served(m)
                ).values_list("child_id", flat=True)
            )
        return found
