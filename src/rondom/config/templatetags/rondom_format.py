"""Template filters for numbers in the active language (see rondom.formats for the rules):

{% load rondom_format %}
{{ amount|money }}  {{ weight|number }}  {{ weight|number:4 }}  {{ share|percent }}  {{ cell|figure }}"""

from __future__ import annotations

from typing import Any

from django import template

from rondom import formats

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """Euros: "€ 980.000", "€ 961.081,27" (nl)."""
    return formats.money(value)


@register.filter
def number(value: Any, places: int = 2) -> str:
    """At most `places` decimals, no trailing zeros, thousands grouped: "12,5", "40", "1.234" (nl)."""
    return formats.number(value, int(places))


@register.filter
def percent(value: Any, places: int = 1) -> str:
    """A percentage 0-100: "73,5 %" (nl)."""
    return formats.percent(value, int(places))


@register.filter
def figure(value: Any) -> Any:
    """A table cell by its type (rondom.formats.Money, Percent, other numbers, text)."""
    return formats.figure(value)


@register.filter
def labelled(row: list[Any], header: list[Any]) -> list[tuple[Any, Any]]:
    """A table row's cells paired with their column headers, for `data-label` on stacked tables (rondom-stack):
    `{% for label, value in row|labelled:header %}`. Missing headers are ""."""
    labels = list(header or [])
    return [(labels[i] if i < len(labels) else "", value) for i, value in enumerate(row)]
