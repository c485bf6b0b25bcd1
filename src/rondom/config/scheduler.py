"""A small scheduler: enqueues the periodic tasks of settings.SCHEDULED_TASKS for the worker when they are due.

When each task was last enqueued is kept in a JSON file in the data folder, so a restart does not enqueue
everything again. The worker (`manage.py db_worker`) runs what is enqueued.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger("rondom.scheduler")


def state_file() -> Path:
    return Path(settings.VAR_DIR) / "scheduler.json"


def _load() -> dict[str, float]:
    try:
        return {k: float(v) for k, v in json.loads(state_file().read_text()).items()}
    except (FileNotFoundError, ValueError, AttributeError, TypeError):  # missing or damaged: start afresh
        return {}


def _save(state: dict[str, float]) -> None:
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)


def run_due(now: float | None = None) -> list[str]:
    """Enqueue every scheduled task whose interval has passed; return the names enqueued.

    A task that cannot be enqueued (e.g. the database is away) is logged and tried again on the next pass;
    the others are not held up by it."""
    now = time.time() if now is None else now
    state = _load()
    enqueued: list[str] = []
    for name, interval in settings.SCHEDULED_TASKS.items():
        if now - state.get(name, 0.0) < interval:
            continue
        try:
            import_string(name).enqueue()
        except Exception:
            logger.exception("scheduler: could not enqueue %s", name)
            continue
        logger.info("scheduler: enqueued %s", name)
        state[name] = now
        enqueued.append(name)
        _save(state)  # after each task, so a failure further on does not enqueue this one twice
    return enqueued


def loop(interval: float, *, once: bool = False, sleep: Callable[[float], None] = time.sleep) -> None:
    """Check every `interval` seconds (or once) until stopped."""
    while True:
        run_due()
        if once:
            return
        sleep(interval)
        close_old_connections()  # a long-running process: drop connections the database closed meanwhile
