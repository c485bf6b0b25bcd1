"""Background tasks of the roster import, run by the worker (django-tasks): the dry run of an upload and, once the
functioneel beheerder confirms it, the import itself (rondom.roster.uploads)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from .models import RosterUpload
from .uploads import purge_uploads, run_apply, run_check


@task()
def check_roster_task(upload_id: int) -> dict[str, str]:
    """Dry-run an uploaded roster; the day is the worker's local date when it runs (the import's "today")."""
    record = RosterUpload.objects.select_related("school", "uploaded_by").get(pk=upload_id)
    return {"status": run_check(record, today=timezone.localdate()).status}


@task()
def apply_roster_task(upload_id: int) -> dict[str, str]:
    """Import a confirmed roster upload; a task delivered twice imports once (uploads.run_apply)."""
    record = RosterUpload.objects.select_related("school", "confirmed_by").get(pk=upload_id)
    return {"status": run_apply(record, today=timezone.localdate()).status}


@task()
def purge_roster_uploads_task() -> dict[str, int]:
    """Daily (settings.SCHEDULED_TASKS): end unconfirmed and lost uploads, remove stored files and old reports'
    lists of names (uploads.purge_uploads)."""
    return purge_uploads(now=timezone.now())
