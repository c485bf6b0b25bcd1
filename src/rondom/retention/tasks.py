"""Background tasks of the retention app, run by the worker (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from .services import apply_retention


@task()
def apply_retention_task() -> dict[str, int]:
    return apply_retention(dry_run=False).counts
