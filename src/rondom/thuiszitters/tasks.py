"""The worker's periodic pass over absence and the escalation ladder (see settings.SCHEDULED_TASKS)."""

from __future__ import annotations

from django_tasks import task

from rondom.attendance.services import refresh_absence_months

from .services import escalate_due, evaluate_and_register


@task()
def daily_absence_and_escalation_task() -> dict[str, int]:
    signals = evaluate_and_register()
    steps = escalate_due()
    months = refresh_absence_months()  # the monitoring's rollup, also after imports that bypassed the worker
    return {"signals": len(signals), "escalations": len(steps), "absence_months": months}
