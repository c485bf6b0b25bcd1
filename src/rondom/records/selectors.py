"""Reads of children, always through the access policy's scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from rondom.access.policy import children_in_scope
from rondom.accounts.models import User
from rondom.registry.bsn import blind_index
from rondom.registry.models import Child


def search_children(user: User, term: str = "", *, scope: QuerySet[Child] | None = None) -> QuerySet[Child]:
    """Children in the user's scope whose given or family name holds every word of `term`, by family name.
    `scope`: an already built (or narrowed) `children_in_scope(user)`, so a page builds the scope once."""
    children = (scope if scope is not None else children_in_scope(user)).select_related("school", "home_municipality")
    for word in term.split():
        children = children.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
    return children.order_by("family_name", "given_name", "pk")


def child_by_bsn(bsn: str) -> Child | None:
    """Only for the emergency button, whose use is logged with its reason."""
    return Child.objects.filter(bsn_index=blind_index(bsn), anonymised_at__isnull=True).first()


def child_for_emergency(child_id: int) -> Child:
    """The one read outside the scope: the emergency button, whose use is logged with its reason."""
    try:
        return Child.objects.get(pk=child_id, anonymised_at__isnull=True)
    except Child.DoesNotExist:
        raise Http404 from None
