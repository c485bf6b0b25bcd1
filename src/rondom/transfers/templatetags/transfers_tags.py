"""The transfer's place on the child page and on the portal's child page (one include line each)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import connections, router

from rondom.core.grounds import Ground
from rondom.transfers.grounds import TRANSFER_ROLES
from rondom.transfers.models import Transfer, TransferState

register = template.Library()


@register.inclusion_tag("transfers/_child_status.html", takes_context=True)
def transfer_status(context: Any, child: Any) -> dict[str, Any]:
    """The child's latest transfer (any state) and whether the viewer may offer one (the ib'er/zorgcoördinator of
    the child's school). Shown on the record page, which has logged its read already."""
    decision = context.get("decision")
    basis = getattr(decision, "basis", None)
    membership = getattr(basis, "membership", None)
    may_offer = (
        basis is not None
        and basis.ground == Ground.SCHOOL_ROLE
        and membership is not None
        and membership.role in TRANSFER_ROLES
        and membership.organisation_id == child.school_id
    )
    return {"child": child, "latest": latest_transfer(child.pk), "may_offer": may_offer}


#: The newest transfer of a child, in the model's own order (Transfer.Meta.ordering: -offered_at, -pk), through the
#: index on child_id; plain SQL: on every child page, and most children have no transfer (issue 17, capacity).
_TABLE = Transfer._meta.db_table
_LATEST_SQL = f"SELECT id FROM {_TABLE} WHERE child_id = %s ORDER BY offered_at DESC, id DESC LIMIT 1"  # noqa: S608


def latest_transfer(child_id: int) -> Transfer | None:
    """The child's latest transfer in any state (with both schools), or None: the same row as
    ``Transfer.objects.filter(child=child).first()``; one small query when there is none, two when there is."""
    with connections[router.db_for_read(Transfer)].cursor() as cursor:
        cursor.execute(_LATEST_SQL, [child_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return Transfer.objects.select_related("to_school", "from_school").get(pk=row[0])


@register.inclusion_tag("transfers/_portal_link.html")
def portal_transfer_link(child: Any) -> dict[str, Any]:
    """A link to the family's transfer page while a transfer is offered."""
    offered = Transfer.objects.filter(child=child, state=TransferState.OFFERED).select_related("to_school").first()
    return {"child": child, "offered": offered}
