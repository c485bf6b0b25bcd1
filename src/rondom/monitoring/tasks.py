"""The worker keeps the monitoring's rollups fresh (see settings.SCHEDULED_TASKS): it refreshes the school-months
queued since the last pass (rollup.drain), never the whole history. `manage.py rebuild_rollups` is the repair."""

from __future__ import annotations

from django_tasks import task

from .rollup import drain


@task()
def refresh_monitoring_task() -> dict[str, int]:
    """The hourly pass (the name the schedule has always used): drain the queue. Run twice in a row, the second
    finds nothing to do (the first took every pair off the queue). Returns {"pairs", "batches", "restatements"}."""
    return drain()
