"""How progress on a goal is measured (issue 16, "Progress per goal"; docs/cases.md, "The measure of a goal").

A goal of the plan (``Plan.content["goals"][i]``, keys ``services.GOAL_KEYS``) carries its measure in flat string
keys, like every other key of a goal (so the plan form, the versions, ``diff_goals`` and the API treat them alike):

- ``measure_kind``: ``"scale"`` (the scaling question of Signs of Safety: 0 to 10), ``"own"`` (the goal's own
  target measure) or ``""``. Empty is what every goal written before issue 16 has: it is the 0-10 scale without
  anchors, start or aim, so old plans keep working without a data migration.
- ``measure_zero`` / ``measure_ten`` (scale only): what 0 and what 10 mean for this goal ("0 = Sam zit thuis en
  durft niet naar school, 10 = Sam gaat elke dag met plezier").
- ``measure_name`` / ``measure_unit`` (own measure; the name is needed there): "dagen aanwezig", "per week".
- ``measure_start`` / ``measure_aim``: numbers as text with a decimal point ("2", "4.5") or ``""``; on the scale
  each lies from 0 to 10 and both may be empty; an own measure needs both, and they differ.

An evaluation (``GoalEvaluation.value``) adds a point: 0 to 10 on the scale, a number within ``VALUE_LIMIT`` with at
most ``VALUE_PLACES`` decimals on an own measure (the column is ``DecimalField(max_digits=8, decimal_places=2)``).

Numbers are accepted with a decimal point or a decimal comma ("2,5": the Dutch way of typing them); they are stored
with a point. Everything here is pure: no database, no clock.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

SCALE, OWN = "scale", "own"
KINDS = ("", SCALE, OWN)
MEASURE_KEYS = (
    "measure_kind",
    "measure_name",
    "measure_unit",
    "measure_start",
    "measure_aim",
    "measure_zero",
    "measure_ten",
)
SCALE_MIN, SCALE_MAX = Decimal(0), Decimal(10)
#: The largest value an own measure can hold (GoalEvaluation.value: 8 digits, 2 of them decimals).
VALUE_LIMIT = Decimal("999999.99")
VALUE_PLACES = 2


class NotANumber(ValueError):
    """The text is no number, has more than VALUE_PLACES decimals or lies beyond VALUE_LIMIT."""


def parse_number(value: Any) -> Decimal | None:
    """A measure's number from text, an int, a float or a Decimal: None for empty (None or blank text).

    Accepts a decimal point or a decimal comma. Raises NotANumber for anything else, for more than VALUE_PLACES
    decimals and for a value beyond ±VALUE_LIMIT."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise NotANumber(value)
    text = str(value).strip().replace(",", ".") if not isinstance(value, Decimal) else value
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise NotANumber(value) from exc
    if not number.is_finite():
        raise NotANumber(value)
    try:  # an exponent like 1e999999999 overflows decimal arithmetic (ArithmeticError): not a number (review 16)
        if abs(number) > VALUE_LIMIT or number != number.quantize(Decimal("0.01")):
            raise NotANumber(value)
    except ArithmeticError as exc:
        raise NotANumber(value) from exc
    return number


def number_text(number: Decimal | None) -> str:
    """The machine text of a number as stored in a goal: a decimal point, no exponent, no trailing zeros ("2.5",
    "100", "0"); "" for None. Raises nothing."""
    if number is None:
        return ""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def kind_of(goal: dict[str, Any]) -> str:
    """The goal's measure: "own" for an own target measure, else "scale" (also for an old goal without one)."""
    return OWN if goal.get("measure_kind") == OWN else SCALE


def measure_error(goal: dict[str, Any], number: int) -> str | None:
    """What is wrong with the measure of goal `number` (1-based), in words that name the goal and the field; None
    when it is fine. Rules in the module docstring. Raises nothing."""
    kind = goal.get("measure_kind") or ""
    if kind not in KINDS:
        return _("Goal %(n)d: measure: choose the scale from 0 to 10 or an own measure.") % {"n": number}
    labels = {"measure_start": _("start value"), "measure_aim": _("aim value")}
    values: dict[str, Decimal | None] = {}
    for key, label in labels.items():
        try:
            values[key] = parse_number(goal.get(key))
        except NotANumber:
            return _(
                "Goal %(n)d: the %(field)s is not a number (use digits, at most two decimals, at most 999999.99)."
            ) % {"n": number, "field": label}
    if kind_of(goal) == SCALE:
        for key, label in labels.items():
            value = values[key]
            if value is not None and not SCALE_MIN <= value <= SCALE_MAX:
                return _("Goal %(n)d: the %(field)s on the scale lies from 0 to 10.") % {"n": number, "field": label}
        return None
    if not str(goal.get("measure_name") or "").strip():
        return _("Goal %(n)d: name the own measure (for example: days present per week).") % {"n": number}
    if values["measure_start"] is None or values["measure_aim"] is None:
        return _("Goal %(n)d: an own measure needs a start value and an aim.") % {"n": number}
    if values["measure_start"] == values["measure_aim"]:
        return _("Goal %(n)d: the aim must differ from the start value.") % {"n": number}
    return None


def normalise(item: dict[str, str], sent: dict[str, Any]) -> dict[str, str]:
    """The measure keys of a checked goal as stored: `item` is the goal as text, `sent` the goal as sent (where a
    number may be a JSON number, 0 too); the numbers become text with a decimal point (``number_text``). Returns
    `item`, changed. Raises nothing for a goal `measure_error` accepted."""
    for key in ("measure_start", "measure_aim"):
        try:
            item[key] = number_text(parse_number(sent.get(key)))
        except NotANumber:
            item[key] = ""
    if item.get("measure_kind") not in KINDS:
        item["measure_kind"] = ""
    return item


def value_error(goal: dict[str, Any], value: Any) -> tuple[Decimal | None, str | None]:
    """The evaluation's value for `goal` and what is wrong with it: ``(number, None)`` when fine (number None for no
    value), ``(None, message)`` otherwise. On the scale 0 to 10; an own measure any number within ±VALUE_LIMIT with
    at most VALUE_PLACES decimals. Raises nothing."""
    try:
        number = parse_number(value)
    except NotANumber:
        return None, _("The value is not a number (use digits, at most two decimals, at most 999999.99).")
    if number is not None and kind_of(goal) == SCALE and not SCALE_MIN <= number <= SCALE_MAX:
        return None, _("Give a value from 0 to 10 on the scale.")
    return number, None
