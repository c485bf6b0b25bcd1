"""Helpers for tests that race real database connections (one per thread).

Such tests need rows that every connection sees, so they are committed, not kept in the test's transaction. Two
ways are offered:

- ``committed_rows`` commits what the test creates and deletes exactly those rows afterwards (no flush);
- ``concurrent_db`` (or the ``concurrent`` marker) uses a transactional database: between such tests the
  database is flushed, which the append-only triggers of the access log and of the administration log refuse; the
  fixture lifts the triggers for the flush only and puts them back afterwards, and a serialized rollback restores
  the data that migrations seed (ladders, protocols, the chain heads).
"""

from __future__ import annotations

import importlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from django.apps import apps
from django.db import OperationalError, connection, connections
from django.db.models import Model

T = TypeVar("T")


@pytest.fixture(scope="session")
def _test_database(request, django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The test database, also when no test in this run is marked `django_db` (pytest-django then sets none up,
    and the connection would point at the development database)."""
    items = request.session.items
    if any(
        item.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(item.fixturenames)
        for item in items
    ):
        yield
        return
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture
def committed_rows(_test_database, django_db_blocker) -> Iterator[list[Model]]:  # type: ignore[no-untyped-def]
    """A list to append created objects to; they are deleted (newest first) after the test."""
    with django_db_blocker.unblock():
        created: list[Model] = []
        yield created
        for obj in reversed(created):
            type(obj)._default_manager.filter(pk=obj.pk).delete()
        connection.close()


def at_once(n: int, task: Callable[[], T]) -> list[T | BaseException]:
    """Run `task` in n threads released together by a barrier; each thread its own database connection.

    Returns each thread's result or the exception it raised. SQLite's in-memory test database is shared between
    connections through a shared cache, whose table locks fail at once ("database table is locked") instead of
    waiting as the file database in production does (busy timeout); such a task is run again after a short pause,
    as a waiting connection would. PostgreSQL never raises this.
    """
    barrier = threading.Barrier(n)

    def run() -> Any:
        try:
            barrier.wait()
            for _ in range(500):
                try:
                    return task()
                except OperationalError as exc:
                    if "locked" not in str(exc):
                        raise
                    time.sleep(random.uniform(0.001, 0.01))
            raise AssertionError("the database stayed locked")
        except BaseException as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda _: run(), range(n)))


#: Marks a test that runs writers in threads; it asks for the ``concurrent_db`` fixture itself (no django_db
#: marker: the marker would set the database up before the trigger fixture, and flush it after that fixture's
#: teardown, where the triggers are back).
concurrent = pytest.mark.usefixtures("concurrent_db")
#: The migrations that made the append-only triggers: the access log's and the administration log's.
_TRIGGER_MIGRATIONS = [
    importlib.import_module("rondom.audit.migrations.0002_append_only_triggers"),
    importlib.import_module("rondom.audit.migrations.0003_administration_log_adminrights"),
]


def set_append_only_triggers(on: bool) -> None:
    with connection.schema_editor() as editor:
        # Off in the reverse order: the administration log's triggers use the access log's function, which goes last.
        for migration in _TRIGGER_MIGRATIONS if on else reversed(_TRIGGER_MIGRATIONS):
            (migration.forwards if on else migration.backwards)(apps, editor)


@pytest.fixture
def _restore_triggers(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        set_append_only_triggers(True)  # after the flush: the triggers (and the chain head) as the migration made them


@pytest.fixture
def concurrent_db(
    _restore_triggers: None, django_db_serialized_rollback: None, transactional_db: None
) -> Iterator[None]:
    """A committed database for threads; access-log triggers lifted only for the flush at the end."""
    yield
    set_append_only_triggers(False)


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
