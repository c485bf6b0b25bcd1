"""A table as the pages and their downloads show it, for the API: a header and rows of cells, each cell a number
written as a string with a decimal point (``"12.5"``), a whole number, a text, ``null`` for no value, or the
withheld marker (``"<5"``) where the page withholds a figure that rests on too few children. The API says the
same as the page: what the page withholds, the API withholds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

CELL_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "number"}],
    "nullable": True,
    "description": 'A number (a decimal as a string with a point, "12.5"), a text, null, or "<5": withheld.',
}


@extend_schema_field(CELL_SCHEMA)
class CellField(serializers.Field):
    """One cell of a table (see the module docstring); read-only."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return cell(value)


def cell(value: Any) -> Any:
    """A cell as JSON: Decimal (Money, Percent) as a string, int and str as they are, None as null, anything
    else (a withheld marker) as its text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return value
    return str(value)


class TableSerializer(serializers.Serializer):
    header = serializers.ListField(child=serializers.CharField(), help_text="The column names, as on the page.")
    rows = serializers.ListField(child=serializers.ListField(child=CellField()))
    total = serializers.ListField(child=CellField(), allow_null=True, required=False)
