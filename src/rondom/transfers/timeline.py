"""The transfer's entries on the case page's timeline (rondom.cases.timeline): offered, received, accepted or
declined. Registered from TransfersConfig.ready: `cases` sits below `transfers` in the import graph."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from rondom.cases.timeline import Draft
from rondom.cases.timeline import register as register_source
from rondom.core.categories import DataCategory
from rondom.registry.models import Child

from .models import Transfer, TransferState


def transfer_events(child: Child) -> Iterable[Draft]:
    """Every step of the child's transfers: who offered it to which school, its receipt and the decision."""
    for t in Transfer.objects.filter(child=child).select_related("from_school", "to_school"):
        route = _("from %(from)s to %(to)s") % {"from": t.from_school.name, "to": t.to_school.name}
        yield Draft(t.offered_at, "transfer", _("Transfer offered"), t.offered_by_id, detail=route)
        if t.received_at is not None:
            yield Draft(t.received_at, "transfer_received", _("Transfer received"), actor=t.to_school.name)
        if t.decided_at is not None and t.state == TransferState.ACCEPTED:
            yield Draft(t.decided_at, "transfer_accepted", _("Transfer accepted"), t.decided_by_id, detail=route)
        elif t.decided_at is not None and t.state == TransferState.DECLINED:
            yield Draft(
                t.decided_at, "transfer_declined", _("Transfer declined"), t.decided_by_id, detail=t.decline_reason
            )


def register() -> None:
    register_source("transfers", transfer_events, categories={DataCategory.SUPPORT})
