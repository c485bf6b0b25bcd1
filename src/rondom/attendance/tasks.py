"""Background tasks of the attendance app, run by the worker (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from .importer import run_stored_import
from .models import AbsenceImport, ImportStatus
from .services import refresh_absence_months


@task()
def run_import_task(import_id: int) -> dict[str, int]:
    """Read an uploaded absence file; when it is imported, apply the protocols to that school's absence."""
    record = AbsenceImport.objects.select_related("mapping", "uploaded_by").get(pk=import_id)
    if record.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return {"rows": record.rows}  # already done: a task delivered twice changes nothing
    run_stored_import(record)
    signals = 0
    if record.status == ImportStatus.DONE and record.inserted + record.updated:
        refresh_absence_months([record.school_id])
        from rondom.thuiszitters.services import evaluate_and_register  # the register builds on attendance

        signals = len(evaluate_and_register(school_ids=[record.school_id]))
    return {"rows": record.rows, "errors": record.error_count, "signals": signals}
