"""The grounds a warm transfer gives (registered with rondom.access.grounds in TransfersConfig.ready).

(a) While a transfer is offered and the family's consent for purpose TRANSFER naming the receiving school is in
force, that school's intern begeleider and zorgcoördinator read per rules.TRANSFER_RECEIVING_RULES (to decide).
(b) After acceptance, the previous school's intern begeleider and zorgcoördinator read per
rules.TRANSFER_PREVIOUS_RULES up to and including `Transfer.previous_access_until`; the day after, nothing.

The consent is found by its purpose, child and recipient (not only `Transfer.consent`), so a consent recorded on the
consent pages counts as much as one given in the portal; withdrawing it ends ground (a) at once. Both grounds are
parts of the policy's one per-child query (FactSource): an ib'er is asked about many children."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef

from rondom.access import grounds, rules
from rondom.consent.models import Consent, Purpose, active_q, active_sql
from rondom.core.access_types import Basis
from rondom.core.grounds import Ground

from .models import Transfer, TransferState

if TYPE_CHECKING:
    from rondom.accounts.models import Membership

#: The roles of a school that give or take a transfer: the whole-school support roles (spelled out in the SQL below).
TRANSFER_ROLES = frozenset(rules.TRANSFER_RECEIVING_RULES) | frozenset(rules.TRANSFER_PREVIOUS_RULES)


def _consent_in_force(today: date) -> Exists:
    return Exists(
        Consent.objects.filter(
            active_q(today),
            child_id=OuterRef("child_id"),
            purpose=Purpose.TRANSFER,
            recipient_id=OuterRef("to_school_id"),
        ).exclude(pk__in=_spent())
    )


def _spent() -> Any:
    """The consents spent on a declined or withdrawn transfer (they open nothing; services.spent_consents)."""
    return Transfer.objects.filter(
        state__in=[TransferState.DECLINED, TransferState.WITHDRAWN], consent__isnull=False
    ).values("consent_id")


class ReceivingSchoolGround:
    """The receiving school's IB/ZC on an offered transfer with the family's consent in force."""

    kind = "transfer_in"
    ground = Ground.TRANSFER
    roles = TRANSFER_ROLES
    #: The policy limits the basis to what the family consented to share with the next school (the third column).
    restricted_by_consent = True
    sql = (
        "SELECT m.id AS membership_id, c.id AS ref, c.categories AS categories "
        "FROM transfers_transfer t JOIN accounts_membership m ON m.organisation_id = t.to_school_id "
        "JOIN consent_consent c ON c.child_id = t.child_id AND c.recipient_id = t.to_school_id "
        "WHERE t.child_id = %s AND t.state = 'offered' AND c.purpose = 'transfer' AND m.id IN ({ids}) "
        "AND m.role IN ('intern_begeleider', 'zorgcoordinator') AND {active} "
        # A consent spent on a declined or withdrawn transfer opens nothing (services.spent_consents).
        "AND NOT EXISTS (SELECT 1 FROM transfers_transfer s WHERE s.consent_id = c.id "
        "AND s.state IN ('declined', 'withdrawn'))"
    )

    def params(self, child_id: int, membership_ids: Sequence[int], at: Any, day: Any) -> list[Any]:
        return [child_id, *membership_ids, *[day] * active_sql("c")[1]]

    def basis(self, membership: Membership, ref: Any) -> Basis:
        return grounds.basis(
            Ground.TRANSFER,
            rules.TRANSFER_RECEIVING_RULES[membership.role],
            membership,
            ref=f"consent:{ref}",
            consent_id=ref,
        )

    def children(self, memberships: Sequence[Membership], now: datetime, today: date) -> set[int]:
        schools = {m.organisation_id for m in memberships if m.role in TRANSFER_ROLES}
        return set(
            Transfer.objects.filter(state=TransferState.OFFERED, to_school_id__in=schools)
            .filter(_consent_in_force(today))
            .values_list("child_id", flat=True)
        )

    def consented(self, memberships: Sequence[Membership], now: datetime, today: date) -> dict[int, set[str]]:
        """The categories of the consents the ground rests on (as `sql`: every transfer consent in force naming the
        school an offered transfer goes to, not spent), by child id, for the children `children` finds."""
        schools = {m.organisation_id for m in memberships if m.role in TRANSFER_ROLES}
        offered = Transfer.objects.filter(
            state=TransferState.OFFERED, child_id=OuterRef("child_id"), to_school_id=OuterRef("recipient_id")
        )
        rows = (
            Consent.objects.filter(active_q(today), purpose=Purpose.TRANSFER, recipient_id__in=schools)
            .filter(Exists(offered))
            .exclude(pk__in=_spent())
        )
        found: dict[int, set[str]] = {}
        for child_id, categories in rows.values_list("child_id", "categories"):
            found.setdefault(child_id, set()).update(categories or ())
        return found


class PreviousSchoolGround:
    """The previous school's IB/ZC after acceptance, up to and including `previous_access_until`."""

    kind = "transfer_out"
    ground = Ground.TRANSFER
    roles = TRANSFER_ROLES
    sql = (
        "SELECT m.id AS membership_id, t.id AS ref "
        "FROM transfers_transfer t JOIN accounts_membership m ON m.organisation_id = t.from_school_id "
        "WHERE t.child_id = %s AND t.state = 'accepted' AND t.previous_access_until >= %s "
        "AND m.id IN ({ids}) AND m.role IN ('intern_begeleider', 'zorgcoordinator')"
    )

    def params(self, child_id: int, membership_ids: Sequence[int], at: Any, day: Any) -> list[Any]:
        return [child_id, day, *membership_ids]

    def basis(self, membership: Membership, ref: Any) -> Basis:
        return grounds.basis(
            Ground.TRANSFER, rules.TRANSFER_PREVIOUS_RULES[membership.role], membership, ref=f"transfer:{ref}"
        )

    def children(self, memberships: Sequence[Membership], now: datetime, today: date) -> set[int]:
        schools = {m.organisation_id for m in memberships if m.role in TRANSFER_ROLES}
        return set(
            Transfer.objects.filter(
                state=TransferState.ACCEPTED, from_school_id__in=schools, previous_access_until__gte=today
            ).values_list("child_id", flat=True)
        )
