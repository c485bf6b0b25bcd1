"""Form fields shared by every page.

A number is typed as people write it: in the Dutch interface with a decimal comma ("1,5"), and a decimal point
("1.5") keeps working. Django reads both through its l10n (`formats.sanitize_separators`, with
`USE_THOUSAND_SEPARATOR` off, so "1.5" is never read as 15) and shows the value back in the user's own format.
"""

from __future__ import annotations

from typing import Any

from django import forms


class LocalDecimalField(forms.DecimalField):
    """A `forms.DecimalField` that reads and shows numbers in the active language's format.

    The widget is a text input with `inputmode="decimal"` (a browser's number input refuses "1,5" in some
    locales); the bounds (`min_value`, `max_value`, `max_digits`, `decimal_places`) are checked as usual and refused
    with Django's translated messages. Returns a `decimal.Decimal`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
