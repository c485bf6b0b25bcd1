"""Reads of children, always through the access policy's scope."""

from __future__ import annotations

from django.db import connections
from django.db.models import QuerySet
from django.http import Http404

from rondom.access.policy import children_in_scope
from rondom.accounts.models import User
from rondom.registry.bsn import blind_index
from rondom.registry.models import Child
from rondom.registry.name_index import matching_name


def search_children(user: User, term: str = "", *, scope: QuerySet[Child] | None = None) -> QuerySet[Child]:
    """Children in the user's scope whose name has, for every word of `term`, a word that starts with it (given
    name, family name with its tussenvoegsel; any order; accents, case and punctuation ignored), by family name.
    Through the text index of `registry.name_index` (pg_trgm on PostgreSQL, FTS5 on SQLite), in the same query as
    the scope: the search only narrows the scope, never widens it (docs/search.md). Any term is safe (no syntax).
    `scope`: an already built (or narrowed) `children_in_scope(user)`, so a page builds the scope once."""
    children = (scope if scope is not None else children_in_scope(user)).select_related("school", "home_municipality")
    children = matching_name(children, term, connections[children.db].vendor)
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
