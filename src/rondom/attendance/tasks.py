"""Background tasks of the attendance app, run by the worker (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from .importer import run_stored_import
from .models import AbsenceImport, ImportStatus, ThresholdSignal
from .services import evaluate, refresh_absence_months
from .signals import threshold_signals_raised


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
        raised = evaluate(school_ids=[record.school_id])
        threshold_signals_raised.send(sender=ThresholdSignal, signals=raised, today=None)  # thuiszitters registers
        signals = len(raised)
    return {"rows": record.rows, "errors": record.error_count, "signals": signals}
