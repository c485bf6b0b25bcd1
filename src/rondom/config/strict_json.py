"""API fields read JSON types as the OpenAPI schema states them: a text field takes a string, a yes/no field a
boolean, a whole-number field an integer — not 0 for a text, "0" or 1 for a boolean, or "12" for a number.

DRF coerces these by default (form semantics). The API reads JSON only (rondom.config.parsers), so the coercion
only hides client errors and makes the API accept what its schema refuses (schemathesis ST201). ``install()``
runs once at start-up (rondom.config.apps) and makes DRF's CharField, BooleanField and IntegerField refuse a value
of another JSON type with a Dutch 400 naming the field. The one query-string serializer
(rondom.cases.api.CaseFilterSerializer) uses a choice field, which takes strings as before.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

_installed = False


def _guard(field_class: type[serializers.Field], accepts: Any, message: Any) -> None:
    original = field_class.to_internal_value

    def to_internal_value(self: serializers.Field, data: Any) -> Any:
        if not accepts(data):
            raise serializers.ValidationError(str(message), code="invalid_type")
        return original(self, data)

    field_class.to_internal_value = to_internal_value  # type: ignore[method-assign]


def install() -> None:
    """Make DRF's text, boolean and integer fields strict about the JSON type (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    _guard(serializers.CharField, lambda v: isinstance(v, str), _("Expected text (a string)."))
    _guard(serializers.BooleanField, lambda v: isinstance(v, bool), _("Expected true or false."))
    _guard(
        serializers.IntegerField,
        lambda v: isinstance(v, int) and not isinstance(v, bool),
        _("Expected a whole number."),
    )
