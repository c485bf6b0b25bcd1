"""Helpers for tests that race real database connections (one per thread).

Such tests need rows that every connection sees, so they are committed, not kept in the test's transaction; and
they cannot use `transaction=True`, whose flush is refused by the access log's append-only TRUNCATE trigger on
PostgreSQL. `committed_rows` commits what the test creates and deletes exactly those rows afterwards."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from django.db import connection, connections
from django.db.models import Model

T = TypeVar("T")


@pytest.fixture
def committed_rows(django_db_setup, django_db_blocker) -> Iterator[list[Model]]:  # type: ignore[no-untyped-def]
    """A list to append created objects to; they are deleted (newest first) after the test."""
    with django_db_blocker.unblock():
        created: list[Model] = []
        yield created
        for obj in reversed(created):
            type(obj)._default_manager.filter(pk=obj.pk).delete()
        connection.close()


def at_once(n: int, task: Callable[[], T]) -> list[T | BaseException]:
    """Run `task` in n threads released together by a barrier; each thread its own database connection.

    Returns each thread's result or the exception it raised.
    """
    barrier = threading.Barrier(n)

    def run() -> Any:
        try:
            barrier.wait()
            return task()
        except BaseException as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda _: run(), range(n)))
