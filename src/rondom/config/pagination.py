"""Every API list is paginated the same way: DRF's page-number pagination, ``PAGE_SIZE`` from the settings
(``REST_FRAMEWORK["PAGE_SIZE"]``), ``?page=N``, and an answer ``{"count", "next", "previous", "results"}``.

Which lists: every list across children or organisations (children, cases, the contact person's inbox,
organisations, the administration log). The lists inside one child's record (its signals, consents and notes) are
parts of that one record and come whole. A list that logs what it shows (one access-log row per child) logs the
children of the page it answers, nothing more (docs/access-log.md).

The views are ``APIView``s, so drf-spectacular does not see the pagination by itself: ``page_of(Serializer)`` is
the answer's schema (``Paginated<Name>List``, as spectacular names it for a generic list view) and ``PAGE`` the
query parameter. A page that is not a whole number of 1 or more answers 400 naming ``page``; a page beyond the
last answers 404 (the schema documents both).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

PAGE = OpenApiParameter(
    "page",
    OpenApiTypes.INT,
    OpenApiParameter.QUERY,
    required=False,
    description="The page (from 1; PAGE_SIZE items a page). A page beyond the last answers 404.",
)


class Pagination(PageNumberPagination):
    """Page-number pagination with the page size of the settings; the page is checked before it is looked up."""

    def get_page_size(self, request: Request) -> int:
        # Read at each request (DRF reads it once, at import): a changed setting applies (tests, an installation).
        return int(api_settings.PAGE_SIZE or 50)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        raw = request.query_params.get(self.page_query_param, "1")
        if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise ValidationError({self.page_query_param: [_("The page must be a whole number of 1 or more.")]})
        # A page beyond the last: DRF raises NotFound, answered as every 404 (rondom.config.api).
        return list(super().paginate_queryset(queryset, request, view) or [])


class Page:
    """One page of a list for an ``APIView``: ``items`` to show (and log), ``response(data)`` the answer."""

    def __init__(self, request: Request, items: QuerySet[Any] | Sequence[Any], view: Any = None) -> None:
        self.paginator = Pagination()
        self.items: list[Any] = self.paginator.paginate_queryset(items, request, view)

    def response(self, data: Any) -> Response:
        return self.paginator.get_paginated_response(data)


_page_serializers: dict[str, type[serializers.Serializer]] = {}


def page_of(serializer_class: type[serializers.BaseSerializer]) -> type[serializers.Serializer]:
    """The schema of a page of ``serializer_class`` items: ``count``, ``next``, ``previous`` and ``results``."""
    base = serializer_class.__name__.removesuffix("Serializer")
    name = f"Paginated{base}List"
    if name not in _page_serializers:
        _page_serializers[name] = type(
            name,
            (serializers.Serializer,),
            {
                "count": serializers.IntegerField(help_text="How many items the whole list holds."),
                "next": serializers.URLField(allow_null=True, help_text="The next page; null on the last."),
                "previous": serializers.URLField(allow_null=True, help_text="The page before; null on the first."),
                "results": serializer_class(many=True),
                "__module__": __name__,
            },
        )
    return _page_serializers[name]
