"""Demo of progress per goal (issue 16, point 5): Mila's plan measured, with points of the last weeks, so the plan
page, the portal and the crawl show the charts. Dates relative to the `today` passed in; no randomness."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from rondom.accounts.models import User
from rondom.cases.models import GoalEvaluation, Plan

#: Per goal id: its measure keys (cases.measures) and (weeks ago, rater, value) per point.
MEASURES: dict[str, tuple[dict[str, str], list[tuple[int, str, str]]]] = {
    "mila-1": (
        {
            "measure_kind": "own",
            "measure_name": "cijfer wiskunde",
            "measure_unit": "",
            "measure_start": "4.5",
            "measure_aim": "6",
        },
        [(6, "teacher", "4.5"), (3, "teacher", "5.2"), (1, "youth", "5.8")],
    ),
    "mila-2": (
        {
            "measure_kind": "scale",
            "measure_zero": "Ik ben elke ochtend doodmoe",
            "measure_ten": "Ik ben elke ochtend uitgerust",
            "measure_start": "3",
            "measure_aim": "8",
        },
        [(6, "youth", "3"), (3, "parent", "5"), (1, "youth", "6")],
    ),
}


def add_goal_progress(plan: Plan, recorded_by: User | None, today: date) -> None:
    """Give the plan's demo goals (MEASURES) their measure and their points; other goals are left as they are."""
    goals = plan.content.get("goals", [])
    for goal in goals:
        measure, points = MEASURES.get(goal.get("id"), ({}, []))
        goal.update(measure)
        for weeks, rater, value in points:
            GoalEvaluation.objects.create(
                plan=plan,
                goal_id=goal["id"],
                rater=rater,
                score=3,
                value=Decimal(value),
                evaluated_on=today - timedelta(weeks=weeks),
                recorded_by=recorded_by,
            )
    plan.save(update_fields=["content"])
    plan.versions.filter(number=plan.version).update(content=plan.content)
