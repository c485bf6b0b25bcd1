"""The worker's daily pass over the samenwerkingsverband's decisions (see settings.SCHEDULED_TASKS)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from .expiry import notify_due


@task()
def swv_expiry_task() -> dict[str, int]:
    due = notify_due(timezone.localdate())
    return {"not_started": due.not_started, "expiring": due.expiring}
