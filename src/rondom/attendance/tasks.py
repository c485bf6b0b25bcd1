"""Background tasks of the attendance app, run by the worker (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from rondom import rollups

from .importer import run_stored_import
from .models import AbsenceImport, ImportStatus, ThresholdSignal
from .services import evaluate
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
        signals = after_import(record.school_id)
    return {"rows": record.rows, "errors": record.error_count, "signals": signals}


def after_import(school_id: int) -> int:
    """After absence of `school_id` changed (a file, or rows posted through the API): refresh the monitoring's
    rollups for the school-months the import queued (rondom.rollups.queue().drain(), not the school's whole history),
    apply the protocols to that school's absence and announce the signals raised (the thuiszitter register
    listens). Returns the number of signals raised; raises nothing."""
    rollups.queue().drain()
    raised = evaluate(school_ids=[school_id])
    threshold_signals_raised.send(sender=ThresholdSignal, signals=raised, today=None)  # thuiszitters registers
    return len(raised)


@task()
def after_api_import_task(school_id: int) -> dict[str, int]:
    """The protocols after absence posted through the API (attendance.api), as after a file (`after_import`)."""
    return {"signals": after_import(school_id)}
