"""The worker's periodic pass over absence and the escalation ladder (see settings.SCHEDULED_TASKS)."""

from __future__ import annotations

from django_tasks import task

from rondom import rollups

from .services import escalate_due, evaluate_and_register


@task()
def daily_absence_and_escalation_task() -> dict[str, int]:
    signals = evaluate_and_register()
    steps = escalate_due()
    months = (
        rollups.queue().drain().get("pairs", 0)
    )  # the monitoring's rollups: the school-months queued since the last pass
    return {"signals": len(signals), "escalations": len(steps), "absence_months": months}
