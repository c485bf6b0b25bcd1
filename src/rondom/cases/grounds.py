"""The ground a request for help gives (registered with rondom.access.grounds in CasesConfig.ready).

The named contact person a request for help (erbij halen) is addressed to sees who the child is and the question,
on the family's consent, until the request is joined (then the grant counts) or closed
(rondom.access.rules.REQUEST_PERMISSIONS)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from rondom.access import rules
from rondom.consent.models import Consent
from rondom.core.access_types import Basis
from rondom.core.grounds import Ground
from rondom.core.roles import PROFESSIONAL_ROLES

from .models import HelpRequest

if TYPE_CHECKING:
    from rondom.accounts.models import Membership
    from rondom.registry.models import Child


def _open_requests(memberships: Sequence[Membership], today: date) -> QuerySet[Any]:
    """Requests to bring someone in, addressed to one of these memberships, not joined or closed, on consent in
    force today."""
    return HelpRequest.objects.filter(
        kind=HelpRequest.Kind.BRING_IN,
        joined_at__isnull=True,
        closed_at__isnull=True,
        contact_id__in=[m.pk for m in memberships],
        consent__in=Consent.objects.active(today),
    )


class OpenRequestGround:
    """Bases from open requests for help addressed to the user: one small query per decision."""

    ground = Ground.REQUEST
    roles = PROFESSIONAL_ROLES

    def bases(self, memberships: Sequence[Membership], child: Child, now: datetime, today: date) -> Iterator[Basis]:
        by_id = {m.pk: m for m in memberships}
        for contact_id, consent_id in (
            _open_requests(memberships, today).filter(case__child=child).values_list("contact_id", "consent_id")
        ):
            yield Basis(
                Ground.REQUEST, rules.REQUEST_PERMISSIONS, by_id[contact_id], consent_id, f"consent:{consent_id}"
            )

    def children(self, memberships: Sequence[Membership], now: datetime, today: date) -> set[int]:
        return set(_open_requests(memberships, today).values_list("case__child_id", flat=True))
