"""Numbers, money and percentages as a page shows them, in the active language, by Django's l10n only.

In Dutch: "€ 980.000", "€ 1.197.005,31", "12,5", "40" (never "4E+1"), "73,5 %". Whole amounts of money show no
cents; other amounts two decimals. Numbers show at most `places` decimals, without trailing zeros. Machine values
(SVG coordinates, data-* attributes, CSV) are not formatted here: they keep a decimal point (`{% localize off %}`).

Table cells that go to a page and to an export alike carry their kind in their type: `Money` and `Percent` are
`Decimal`s (an export writes them as plain numbers), and `figure()` formats a cell by its type. The template
filters of the same names are in rondom.config.templatetags.rondom_format (`{% load rondom_format %}`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats

NBSP = "\u00a0"


class Money(Decimal):
    """An amount in euros (a Decimal; exports write it as a number)."""


class Percent(Decimal):
    """A percentage, 0-100 (a Decimal; exports write it as a number)."""


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def number(value: Any, places: int = 2, grouping: bool = True) -> str:
    """`value` (int, float, Decimal or numeric text) rounded to at most `places` decimals, trailing zeros dropped,
    with thousands grouped: 12.5 → "12,5", Decimal("4E+1") → "40", 1234567 → "1.234.567" (nl). Not a number: the
    value as text; None: "". `grouping=False` for a form field's value (a typed "1.234" reads as 1,234)."""
    decimal = _decimal(value)
    if decimal is None:
        return "" if value is None else str(value)
    rounded = decimal.quantize(Decimal(1).scaleb(-places)) if places >= 0 else decimal
    digits = format(rounded.normalize(), "f")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return formats.number_format(Decimal(digits), decimals, use_l10n=True, force_grouping=grouping)


def money(value: Any) -> str:
    """An amount in euros: "€ 980.000" for a whole amount, "€ 961.081,27" otherwise, "€ -27.994,69" below zero
    (nl; a no-break space after the sign). None: ""."""
    decimal = _decimal(value)
    if decimal is None:
        return "" if value is None else str(value)
    cents = decimal.quantize(Decimal("0.01"))
    places = 0 if cents == cents.to_integral_value() else 2
    return "€" + NBSP + formats.number_format(cents, places, use_l10n=True, force_grouping=True)


def percent(value: Any, places: int = 1) -> str:
    """A percentage (0-100): 73.5 → "73,5 %", 100 → "100 %" (nl; a no-break space before the sign)."""
    text = number(value, places)
    return f"{text}{NBSP}%" if text and _decimal(value) is not None else text


def figure(value: Any) -> Any:
    """A table cell by its type: Money → money(), Percent → percent(), other numbers → number() with up to 4
    decimals; text as is."""
    if isinstance(value, Money):
        return money(value)
    if isinstance(value, Percent):
        return percent(value)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return number(value, 4)
    return value
