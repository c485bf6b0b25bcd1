"""API fields read JSON types as the OpenAPI schema states them: a text field takes a string, a yes/no field a
boolean, a whole-number field an integer — not 0 for a text, "0" or 1 for a boolean, or "12" for a number.

DRF coerces these by default (form semantics). The API reads JSON only (rondom.config.parsers), so the coercion
only hides client errors and makes the API accept what its schema refuses (schemathesis ST201). ``install()``
runs once at start-up (rondom.config.apps) and makes DRF's CharField, BooleanField and IntegerField refuse a value
of another JSON type with a Dutch 400 naming the field. The one query-string serializer
(rondom.cases.api.CaseFilterSerializer) uses a choice field, which takes strings as before.

It also makes a reference to another record (PrimaryKeyRelatedField, also each item of a list of them) take a
JSON integer only — not ``"1"``, ``"١"``, ``1.0`` or ``true``, which Django's lookup would read as 1 — and a date
or date-time field take only ISO 8601 text in ASCII digits (RFC 3339 §5.6, the OpenAPI ``format: date`` /
``date-time``): ``2015-01-01``, ``2026-11-29T10:00:00+01:00``. Python's ``date.fromisoformat`` alone also reads
``٢٠١٥-٠١-٠١``, ``１９９９-01-01`` and ``20150101``; those are refused (finding 8 of issue 12, the tester's probe).
A date or datetime object (Python callers, never JSON) passes on to DRF unchanged.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

_installed = False

#: ISO 8601 extended calendar date in ASCII digits (YYYY-MM-DD); DRF checks the calendar (no 30 February).
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
#: ISO 8601 / RFC 3339 date and time in ASCII digits: seconds and fraction optional, offset optional (the
#: server's time zone then applies, as DRF does), "T" or a space between date and time.
ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:[Zz]|[+-]\d{2}:?\d{2})?", re.ASCII
)


def _iso_text_or_object(pattern: re.Pattern[str], kind: type) -> Any:
    def accepts(value: Any) -> bool:
        if isinstance(value, str):
            return pattern.fullmatch(value) is not None
        return isinstance(value, kind)

    return accepts


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _guard(field_class: type[serializers.Field], accepts: Any, message: Any) -> None:
    original = field_class.to_internal_value

    def to_internal_value(self: serializers.Field, data: Any) -> Any:
        if not accepts(data):
            raise serializers.ValidationError(str(message), code="invalid_type")
        return original(self, data)

    field_class.to_internal_value = to_internal_value  # type: ignore[method-assign]


def install() -> None:
    """Make DRF's text, boolean, integer, related-record, date and date-time fields strict about the JSON type
    and, for dates, about the format and the digits (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    _guard(serializers.CharField, lambda v: isinstance(v, str), _("Expected text (a string)."))
    _guard(serializers.BooleanField, lambda v: isinstance(v, bool), _("Expected true or false."))
    _guard(serializers.IntegerField, _is_integer, _("Expected a whole number."))
    _guard(serializers.PrimaryKeyRelatedField, _is_integer, _("Expected a whole number."))
    _guard(
        serializers.DateField,
        _iso_text_or_object(ISO_DATE, date),
        _("Expected a date as YYYY-MM-DD, in the digits 0-9."),
    )
    _guard(
        serializers.DateTimeField,
        _iso_text_or_object(ISO_DATETIME, date),
        _("Expected a date and time as YYYY-MM-DDThh:mm:ss (ISO 8601), in the digits 0-9."),
    )
