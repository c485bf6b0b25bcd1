"""Double submits are idempotent: the same person creating the same thing twice within a short window gets the
one record that already exists, in the API and in the forms (a double click, a retried request, a back button).

The window is ``DOUBLE_SUBMIT_SECONDS`` (default 60, docs/production.md). The check runs inside the creating
service's transaction after locking the parent row (the child), so two simultaneous submits are serialised on
PostgreSQL (row lock) and on SQLite (one writer at a time): exactly one record is created.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


def lock_row(instance: models.Model) -> None:
    """Lock ``instance``'s row until the end of the current transaction (SELECT … FOR UPDATE; a no-op on SQLite,
    whose write transactions are serialised already). Call inside ``transaction.atomic``."""
    list(type(instance)._default_manager.select_for_update().filter(pk=instance.pk).values_list("pk", flat=True))


def recent_duplicate(
    candidates: models.QuerySet[M], time_field: str, *, lock: models.Model | None = None, now: datetime | None = None
) -> M | None:
    """The newest record among ``candidates`` (already filtered on the same author and the same content) created
    within the double-submit window before ``now``, or None.

    ``lock``: a parent row (usually the child) to lock first, so a concurrent identical submit waits and then
    finds this one. Call inside the creating service's ``transaction.atomic``.
    """
    if lock is not None:
        lock_row(lock)
    now = now or timezone.now()
    window = timedelta(seconds=int(getattr(settings, "DOUBLE_SUBMIT_SECONDS", 60)))
    return candidates.filter(**{f"{time_field}__gte": now - window}).order_by(f"-{time_field}").first()
