"""Helpers for tests that race real database connections (one per thread).

Such tests need rows that every connection sees, so they are committed, not kept in the test's transaction; and
they cannot use `transaction=True`, whose flush is refused by the access log's append-only TRUNCATE trigger on
PostgreSQL. `committed_rows` commits what the test creates and deletes exactly those rows afterwards."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
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
