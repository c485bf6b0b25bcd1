"""Limits on what people type: lengths of names and free text, and no control characters in names.

One place for the numbers, so the API, the forms and the services refuse the same input with the same Dutch
message naming the field and the reason. A larger body never reaches these checks: the API's JSON parser caps a
body at ``API_JSON_MAX_BYTES`` (rondom.config.parsers).
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

from django.utils import formats
from django.utils.translation import gettext as _

#: Names of people (given name, family name): the column length of registry.Child.
NAME_MAX = 100
#: Free text a person writes (a note, a logbook entry, a signal, minutes): about ten pages of text.
FREE_TEXT_MAX = 20_000
#: Goals in one plan: a plan is a handful of concrete goals, not a list of hundreds.
PLAN_GOALS_MAX = 50
#: One field of one plan goal (description, target, owner, ...).
GOAL_FIELD_MAX = 2_000
#: How far ahead a planned date (a plan's or a goal's evaluation) may lie: an evaluation more than a year away is a
#: typing error (2062 for 2026), not a plan.
PLANNED_DATE_MAX_DAYS_AHEAD = 366

_TEXT_CONTROLS_ALLOWED = {"\n", "\r", "\t"}


def has_control_characters(value: str, *, allow_line_breaks: bool = False) -> bool:
    """True when ``value`` holds a control, format, surrogate, private-use or unassigned character (Unicode
    general category C*); tabs and line breaks are allowed in free text (``allow_line_breaks``)."""
    for char in value:
        if allow_line_breaks and char in _TEXT_CONTROLS_ALLOWED:
            continue
        if unicodedata.category(char).startswith("C"):
            return True
    return False


def has_letter(value: str) -> bool:
    """True when ``value`` holds at least one letter (Unicode general category L*: Latin, Greek, CJK, ...)."""
    return any(unicodedata.category(char).startswith("L") for char in value)


def name_error(value: str, *, max_length: int = NAME_MAX) -> str | None:
    """The Dutch reason a person's name is refused, or None: empty, too long, with control characters, or without
    any letter (only digits, punctuation or a lone combining accent such as U+0301 is no name)."""
    if not value.strip():
        return _("This field is required.")
    if len(value) > max_length:
        return _("At most %(n)d characters.") % {"n": max_length}
    if has_control_characters(value):
        return _("A name cannot hold control characters (such as tabs, line breaks or invisible characters).")
    if not has_letter(value):
        return _("A name must contain at least one letter.")
    return None


def text_error(value: str, *, max_length: int = FREE_TEXT_MAX, required: bool = True) -> str | None:
    """The Dutch reason a free text is refused, or None: empty (when required), too long, or with control
    characters other than tabs and line breaks."""
    if required and not value.strip():
        return _("This field is required.")
    if len(value) > max_length:
        return _("At most %(n)d characters; this text has %(m)d.") % {"n": max_length, "m": len(value)}
    if has_control_characters(value, allow_line_breaks=True):
        return _("The text holds control characters that cannot be saved.")
    return None


def latest_planned_date(today: date, *, max_days_ahead: int = PLANNED_DATE_MAX_DAYS_AHEAD) -> date:
    """The last day a planned date may fall on: ``today`` plus ``max_days_ahead`` days."""
    return today + timedelta(days=max_days_ahead)


def planned_date_error(
    value: date | None, today: date, *, label: str, max_days_ahead: int = PLANNED_DATE_MAX_DAYS_AHEAD
) -> str | None:
    """The Dutch reason a planned date (an evaluation to come) is refused, or None: before ``today`` (the caller
    passes its ``timezone.localdate()``: no wall clock here) or more than ``max_days_ahead`` days after it. The
    message names the field by its ``label``. ``None`` (no date) is no error: whether a date is required is the
    form's rule."""
    if value is None:
        return None
    if value < today:
        return _("%(field)s lies in the past (%(value)s): choose today or a later date.") % {
            "field": label,
            "value": formats.date_format(value, "j F Y"),
        }
    last = latest_planned_date(today, max_days_ahead=max_days_ahead)
    if value > last:
        return _("%(field)s lies too far ahead (%(value)s): choose a date until %(last)s at the latest.") % {
            "field": label,
            "value": formats.date_format(value, "j F Y"),
            "last": formats.date_format(last, "j F Y"),
        }
    return None
