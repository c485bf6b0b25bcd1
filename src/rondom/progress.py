"""Progress of a long job (an import run by the worker) as the web page shows it: a small JSON file per job under
VAR_DIR, written outside the job's transaction so that another process (the web request polling the page) can read
it while the job runs. Shared by the absence import and the roster import (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings


def progress_path(kind: str, job_id: int) -> Path:
    """Where job ``job_id`` of ``kind`` ('imports' for absence, 'roster' for the roster import) keeps its progress.
    ``kind`` is a fixed folder name chosen by the code, never user input."""
    return Path(settings.VAR_DIR) / kind / f"{job_id}.progress.json"


def write_progress(kind: str, job_id: int, rows: int, fraction: float) -> None:
    """Record that the job has handled ``rows`` rows, ``fraction`` (0.0-1.0) of the work. Atomic (written to a
    temporary file, then renamed), so a reader never sees half a file. Raises OSError when VAR_DIR is not writable."""
    path = progress_path(kind, job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"rows": rows, "fraction": round(fraction, 3)}))
    tmp.replace(path)


def read_progress(kind: str, job_id: int) -> dict[str, Any]:
    """{"rows": int, "fraction": float} as last written; {"rows": 0, "fraction": 0.0} before the first write or
    when the file is unreadable. Raises nothing."""
    try:
        return dict(json.loads(progress_path(kind, job_id).read_text()))
    except (FileNotFoundError, ValueError):
        return {"rows": 0, "fraction": 0.0}


def clear_progress(kind: str, job_id: int) -> None:
    """Remove the job's progress file (the job is done). Raises nothing when it is already gone."""
    progress_path(kind, job_id).unlink(missing_ok=True)
