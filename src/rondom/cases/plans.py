"""Reading a plan's goals: their domains in words and which goals are due for evaluation (issue 14, point 7).

A goal is evaluated on its own date (``evaluate_on``) or, without one, at the plan's ``next_evaluation``. Against
the ``today`` the caller passes (never the wall clock here), a goal is

- ``overdue``: its date has passed and nobody evaluated it since ``EVALUATION_SOON_DAYS`` before that date;
- ``due``: its date falls within ``EVALUATION_SOON_DAYS`` from today (or is today), not yet evaluated;
- ``evaluated``: a GoalEvaluation of the goal was recorded from ``EVALUATION_SOON_DAYS`` before its date on;
- ``planned``: its date lies further ahead;
- ``no_date``: neither the goal nor the plan has a date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .models import Plan
from .services import goal_evaluation_date

#: A goal whose evaluation date falls within this many days is "due"; an evaluation from this many days before the
#: date on counts as done.
EVALUATION_SOON_DAYS = 14

DOMAIN_LABELS: dict[str, Promise] = {
    "school": gettext_lazy("School (education goal)"),
    "home": gettext_lazy("Home"),
    "leisure": gettext_lazy("Leisure / wijk"),
    "work": gettext_lazy("Work (16+)"),
}
STATUS_LABELS: dict[str, Promise] = {
    "overdue": gettext_lazy("evaluation overdue"),
    "due": gettext_lazy("to evaluate soon"),
    "evaluated": gettext_lazy("evaluated"),
    "planned": gettext_lazy("planned"),
    "no_date": gettext_lazy("no evaluation date"),
}
#: The order in which the goals are listed: what needs doing first.
_ORDER = {"overdue": 0, "due": 1, "no_date": 2, "planned": 3, "evaluated": 4}


@dataclass(frozen=True)
class GoalDue:
    """One goal of the plan with its evaluation date and status (``overdue``, ``due``, ``evaluated``, ``planned``,
    ``no_date``); ``number`` is its place in the plan (1-based)."""

    number: int
    goal: dict[str, Any]
    evaluate_on: date | None
    status: str

    @property
    def domain_label(self) -> str:
        return str(DOMAIN_LABELS.get(str(self.goal.get("domain", "")), "—"))

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def needs_attention(self) -> bool:
        return self.status in ("overdue", "due")


def goals_due(plan: Plan | None, today: date) -> list[GoalDue]:
    """The plan's goals with their evaluation status on ``today``, what needs doing first on top (overdue, due, no
    date, planned, evaluated; then in plan order). One query for the plan's evaluations; [] without a plan."""
    if plan is None or not isinstance(plan.content, dict):
        return []
    goals = [g for g in plan.content.get("goals", []) if isinstance(g, dict)]
    evaluated: dict[str, date] = {}
    for goal_id, evaluated_on in plan.evaluations.values_list("goal_id", "evaluated_on"):
        evaluated[goal_id] = max(evaluated_on, evaluated.get(goal_id, evaluated_on))
    soon = timedelta(days=EVALUATION_SOON_DAYS)
    rows = []
    for number, goal in enumerate(goals, start=1):
        on: date | None = goal_evaluation_date(goal) or plan.next_evaluation
        last = evaluated.get(str(goal.get("id", "")))
        if on is None:
            status = "no_date"
        elif last is not None and last >= on - soon:
            status = "evaluated"
        elif on < today:
            status = "overdue"
        elif on <= today + soon:
            status = "due"
        else:
            status = "planned"
        rows.append(GoalDue(number, goal, on, status))
    return sorted(rows, key=lambda r: (_ORDER[r.status], r.number))
