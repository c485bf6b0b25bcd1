"""Query parameters of the API's lists, checked like a body: an unknown value answers 400 naming the parameter in
Dutch (as ``?page=`` does, rondom.config.pagination), never a silent fallback and never a server error. A view
declares them as a serializer (``parameters=[FilterSerializer, PAGE]``: drf-spectacular documents each field as
a query parameter) and reads ``filters(request, FilterSerializer)``."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

#: The largest id a database key holds (a signed 64-bit integer); a larger number is refused, not looked up.
ID_MAX = 2**63 - 1


def id_filter(help_text: str) -> serializers.IntegerField:
    """An optional query parameter naming a record by its id (1 up to `ID_MAX`)."""
    return serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX, help_text=help_text)


def filters(request: Request, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """The checked query parameters (the last value of a repeated one); raises ValidationError (400) naming each
    wrong parameter. An empty value is refused like any unknown one (no form semantics)."""
    query = serializer_class(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)
