"""The ground a request for help gives (registered with rondom.access.grounds in CasesConfig.ready).

The named contact person a request for help (erbij halen) is addressed to sees who the child is and the question,
on the family's consent, until the request is joined (then the grant counts) or closed
(rondom.access.rules.REQUEST_PERMISSIONS). Any professional can be such a contact, so the per-child check is a part of
the policy's one query (a FactSource), not a query of its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rondom.access import grounds, rules
from rondom.consent.models import active_sql
from rondom.core.access_types import Basis
from rondom.core.grounds import Ground
from rondom.core.roles import PROFESSIONAL_ROLES

from .models import HelpRequest

if TYPE_CHECKING:
    from rondom.accounts.models import Membership


class OpenRequestGround:
    """Open requests to bring someone in, addressed to the user, not joined or closed, on consent in force."""

    kind = "request"
    ground = Ground.REQUEST
    roles = PROFESSIONAL_ROLES
    sql = (
        "SELECT r.contact_id AS membership_id, r.consent_id AS ref "
        "FROM cases_helprequest r JOIN cases_case k ON k.id = r.case_id JOIN consent_consent c ON c.id = r.consent_id "
        "WHERE k.child_id = %s AND r.contact_id IN ({ids}) AND r.kind = 'bring_in' "
        "AND r.joined_at IS NULL AND r.closed_at IS NULL AND {active}"
    )

    def params(self, child_id: int, membership_ids: Sequence[int], at: Any, day: Any) -> list[Any]:
        return [child_id, *membership_ids, *[day] * active_sql("c")[1]]

    def basis(self, membership: Membership, ref: Any) -> Basis:
        return grounds.basis(
            Ground.REQUEST, rules.REQUEST_PERMISSIONS, membership, ref=f"consent:{ref}", consent_id=ref
        )

    def children(self, memberships: Sequence[Membership], now: datetime, today: date) -> set[int]:
        return set(
            HelpRequest.objects.filter(
                kind=HelpRequest.Kind.BRING_IN,
                joined_at__isnull=True,
                closed_at__isnull=True,
                contact_id__in=[m.pk for m in memberships],
            )
            .on_active_consent(today)
            .values_list("case__child_id", flat=True)
        )
