"""The worker keeps the monitoring's monthly rollup fresh (see settings.SCHEDULED_TASKS)."""

from __future__ import annotations

from django_tasks import task

from .rollup import refresh_monthly_facts


@task()
def refresh_monitoring_task() -> dict[str, int]:
    return {"monthly_facts": refresh_monthly_facts()}
