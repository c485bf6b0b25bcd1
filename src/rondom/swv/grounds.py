"""The ground a request to the samenwerkingsverband gives (registered with rondom.access.grounds in SwvConfig.ready).

The SWV's loket and experts (rules.SWV_REQUEST_RULES) read who the child is and its support while a request of the
child to *their* SWV exists that is not withdrawn, on the family's consent naming the SWV (purpose SWV) in force on
the day, restricted to the consent's categories, and until `SwvRequest.access_until` has passed: the end of the
decision's validity (a TLV or arrangement), the day an arrangement ended, or for a refusal (or a decision without a
validity) the objection period after the decision (rondom.swv.rules.ACCESS_AFTER_DECISION_DAYS; docs/swv-decisions.md).
It is read in the policy's one per-child query (a FactSource); `children` is the same rule in the ORM."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q

from rondom.access import grounds, rules
from rondom.consent.models import Purpose, active_q, active_sql
from rondom.core.access_types import Basis
from rondom.core.grounds import Ground

from .models import RequestState, SwvRequest

if TYPE_CHECKING:
    from rondom.accounts.models import Membership


class SwvRequestGround:
    """Requests of the child to the membership's SWV, not withdrawn, on the SWV consent in force, access not ended."""

    kind = "swv_request"
    ground = Ground.SWV_REQUEST
    roles = frozenset(rules.SWV_REQUEST_RULES)
    #: The policy limits the basis to the consent's categories (the third column).
    restricted_by_consent = True
    sql = (
        "SELECT m.id AS membership_id, r.consent_id AS ref, c.categories AS categories "
        "FROM swv_swvrequest r JOIN accounts_membership m ON m.organisation_id = r.swv_id "
        "JOIN consent_consent c ON c.id = r.consent_id "
        "WHERE r.child_id = %s AND m.id IN ({ids}) AND r.state <> %s AND r.withdrawn_at IS NULL "
        "AND c.purpose = %s AND c.recipient_id = r.swv_id AND c.child_id = r.child_id "
        "AND (r.access_until IS NULL OR r.access_until >= %s) AND {active}"
    )

    def params(self, child_id: int, membership_ids: Sequence[int], at: Any, day: Any) -> list[Any]:
        return [
            child_id,
            *membership_ids,
            RequestState.WITHDRAWN.value,
            Purpose.SWV.value,
            day,
            *[day] * active_sql("c")[1],
        ]

    def basis(self, membership: Membership, ref: Any) -> Basis:
        return grounds.basis(
            Ground.SWV_REQUEST,
            rules.SWV_REQUEST_RULES[membership.role],
            membership,
            ref=f"consent:{ref}",
            consent_id=ref,
        )

    def children(self, memberships: Sequence[Membership], now: datetime, today: date) -> set[int]:
        return set(
            SwvRequest.objects.filter(open_q(today), swv_id__in={m.organisation_id for m in memberships}).values_list(
                "child_id", flat=True
            )
        )

    def consented(self, memberships: Sequence[Membership], now: datetime, today: date) -> dict[int, set[str]]:
        """The consented categories of the requests `children` finds, by child id (a union over its requests)."""
        found: dict[int, set[str]] = {}
        rows = SwvRequest.objects.filter(open_q(today), swv_id__in={m.organisation_id for m in memberships})
        for child_id, categories in rows.values_list("child_id", "consent__categories"):
            found.setdefault(child_id, set()).update(categories or ())
        return found


def open_q(today: date) -> Q:
    """The ORM form of the ground's condition on a request (without the membership): not withdrawn, the SWV consent
    in force on `today`, naming the request's SWV, access not ended."""
    return (
        ~Q(state=RequestState.WITHDRAWN)
        & Q(withdrawn_at__isnull=True)
        & Q(consent__purpose=Purpose.SWV, consent__recipient_id=F("swv_id"), consent__child_id=F("child_id"))
        & (Q(access_until__isnull=True) | Q(access_until__gte=today))
        & active_q(today, "consent__")
    )
