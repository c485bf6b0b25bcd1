"""Form fields shared by every page.

A number is typed as people write it: in the Dutch interface with a decimal comma ("1,5"), and a decimal point
("1.5") keeps working. Django reads both through its l10n (`formats.sanitize_separators`, with
`USE_THOUSAND_SEPARATOR` off, so "1.5" is never read as 15) and shows the value back in the user's own format.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from rondom import formats


class LocalDecimalField(forms.DecimalField):
    """A `forms.DecimalField` that reads and shows numbers in the active language's format.

    The widget is a text input with `inputmode="decimal"` (a browser's number input refuses "1,5" in some
    locales); the bounds (`min_value`, `max_value`, `max_digits`, `decimal_places`) are checked as usual and refused
    with Django's translated messages. Returns a `decimal.Decimal`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def prepare_value(self, value: Any) -> Any:
        """A Decimal is shown in positional notation with at most the field's decimal places: a weight stored as
        Decimal("4E+1") (a normalized Decimal) shows as "40", never "4E+1"; 12.50 as "12,5" (nl)."""
        if isinstance(value, Decimal) and value.is_finite():
            places = self.decimal_places if self.decimal_places is not None else 4
            return formats.number(value, places, grouping=False)
        return super().prepare_value(value)
