"""Progress per goal (issue 16, point 5): the points of each goal of the plan, for its chart and its table.

Every evaluation of a goal with a value (``GoalEvaluation.value``) is a point; the points are in order of their date
(``evaluated_on``, then the order they were recorded in). The measure of the goal (cases.measures) says the scale:
0 to 10 with what 0 and 10 mean, or the goal's own measure with its unit; its aim is drawn as a line.

``chart_data`` is what the page's chart reads (``cases/_goal_progress.html`` writes it with ``json_script``;
``static/rondom/goal-progress.js`` draws it with Chart.js): machine numbers (floats, a decimal point) and every text
already in the page's language and number format; the table below the chart shows the same points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from rondom.formats import number

from .measures import OWN, SCALE_MAX, SCALE_MIN, kind_of, parse_number
from .models import GoalEvaluation, Plan


@dataclass(frozen=True)
class Point:
    """One evaluation with a value: when, the value, who rated it (GoalEvaluation.Rater: "parent", "teacher", ...)."""

    on: date
    value: Decimal
    rater: str

    @property
    def rater_label(self) -> str:
        return str(GoalEvaluation.Rater(self.rater).label) if self.rater in GoalEvaluation.Rater.values else self.rater


@dataclass(frozen=True)
class GoalProgress:
    """A goal of the plan (``number``: its place, 1-based) with its measure and its points in order of date."""

    number: int
    goal: dict[str, Any]
    points: list[Point]

    @property
    def kind(self) -> str:
        return kind_of(self.goal)

    @property
    def own(self) -> bool:
        return self.kind == OWN

    @property
    def start(self) -> Decimal | None:
        return _number(self.goal.get("measure_start"))

    @property
    def aim(self) -> Decimal | None:
        return _number(self.goal.get("measure_aim"))

    def chart_data(self) -> dict[str, Any]:
        """What the chart draws. Shape: ``{"labels": [date text], "values": [float], "texts": [value text],
        "aim": float | None, "aimText": str, "min": float | None, "max": float | None, "unit": str,
        "valueName": str, "aimName": str}``; ``min`` and ``max`` are 0 and 10 on the scale, None for an own measure
        (the chart fits its points and aim)."""
        return {
            "labels": [formats.date_format(p.on, "j M Y") for p in self.points],
            "values": [float(p.value) for p in self.points],
            "texts": [number(p.value) for p in self.points],
            "aim": float(self.aim) if self.aim is not None else None,
            "aimText": number(self.aim),
            "min": None if self.own else float(SCALE_MIN),
            "max": None if self.own else float(SCALE_MAX),
            "unit": self.unit_text,
            "valueName": _("Value"),
            "aimName": _("Aim"),
        }

    @property
    def unit_text(self) -> str:
        """The measure's name and unit ("dagen aanwezig per week"); "0-10" on the scale."""
        if not self.own:
            return "0–10"
        return " ".join(str(self.goal.get(k) or "").strip() for k in ("measure_name", "measure_unit")).strip()


def _number(text: Any) -> Decimal | None:
    try:
        return parse_number(text)
    except ValueError:
        return None


def goal_progress(plan: Plan | None) -> list[GoalProgress]:
    """Every goal of the plan in plan order, with the points of its evaluations that have a value, in order of
    date (then as recorded). One query; [] without a plan. Raises nothing."""
    if plan is None or not isinstance(plan.content, dict):
        return []
    goals = [g for g in plan.content.get("goals", []) if isinstance(g, dict)]
    points: dict[str, list[Point]] = {}
    evaluations = (
        GoalEvaluation.objects.filter(plan=plan, value__isnull=False)
        .order_by("evaluated_on", "pk")
        .values_list("goal_id", "evaluated_on", "value", "rater")
    )
    for goal_id, on, value, rater in evaluations:
        assert value is not None  # filtered above
        points.setdefault(goal_id, []).append(Point(on, value, rater))
    return [GoalProgress(number, goal, points.get(str(goal.get("id", "")), [])) for number, goal in enumerate(goals, 1)]
