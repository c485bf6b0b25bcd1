"""Running writers at the same moment in real threads, each with its own database connection.

Concurrency tests need committed data (``transaction=True``): every thread has its own connection and sees only
what is committed. Between such tests the database is flushed, which the access log's append-only triggers
refuse; the fixture ``concurrent_db`` lifts the triggers for the flush and puts them back afterwards, and
a serialized rollback restores the data that migrations seed (ladders, protocols, the chain head).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from django.apps import apps
from django.db import connection, connections

T = TypeVar("T")

#: Marks a test that runs writers in threads; it asks for the ``concurrent_db`` fixture itself (no django_db
#: marker: the marker would set the database up before the trigger fixture, and flush it after that fixture's
#: teardown, where the triggers are back).
concurrent = pytest.mark.usefixtures("concurrent_db")
_triggers = importlib.import_module("rondom.audit.migrations.0002_append_only_triggers")


def _set_triggers(on: bool) -> None:
    with connection.schema_editor() as editor:
        (_triggers.forwards if on else _triggers.backwards)(apps, editor)


@pytest.fixture
def _restore_triggers(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        _set_triggers(True)  # after the flush: the triggers (and the chain head) as the migration made them


@pytest.fixture
def concurrent_db(
    _restore_triggers: None, django_db_serialized_rollback: None, transactional_db: None
) -> Iterator[None]:
    """A committed database for threads; access-log triggers lifted only for the flush at the end."""
    yield
    _set_triggers(False)


def run_at_once(workers: list[Callable[[], T]]) -> list[T | BaseException]:
    """Start every worker at the same moment (a barrier) in its own thread; return each one's result or error,
    in the workers' order. Each thread closes its own database connection when done."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(index: int, work: Callable[[], T]) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
