"""Issue 14 (the plan form fits the work): every goal in Plan.content and in each PlanVersion gets the keys
``support`` (what help) and ``evaluate_on`` (its own evaluation date, ISO, or "" for the plan's next evaluation),
empty, so that all goals have one shape (cases.services.GOAL_KEYS) and a conflict's diff does not report the new
keys as changes. Reversible: going back removes the two keys again (what was typed in them since is dropped)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

NEW_KEYS = ("support", "evaluate_on")


def _goals(content: Any) -> list[dict[str, Any]]:
    if not isinstance(content, dict) or not isinstance(content.get("goals"), list):
        return []
    return [goal for goal in content["goals"] if isinstance(goal, dict)]


def _rewrite(apps: Any, change: Any) -> None:
    for model in (apps.get_model("cases", "Plan"), apps.get_model("cases", "PlanVersion")):
        for row in model.objects.only("pk", "content").iterator():
            goals = _goals(row.content)
            if goals and any([change(goal) for goal in goals]):
                model.objects.filter(pk=row.pk).update(content=row.content)


def add_keys(apps: Any, schema_editor: Any) -> None:
    def change(goal: dict[str, Any]) -> bool:
        missing = [key for key in NEW_KEYS if key not in goal]
        for key in missing:
            goal[key] = ""
        return bool(missing)

    _rewrite(apps, change)


def remove_keys(apps: Any, schema_editor: Any) -> None:
    def change(goal: dict[str, Any]) -> bool:
        present = [key for key in NEW_KEYS if key in goal]
        for key in present:
            del goal[key]
        return bool(present)

    _rewrite(apps, change)


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_meeting_details_meetings")]

    operations = [migrations.RunPython(add_keys, remove_keys, elidable=False)]
