"""Liveness (/health) and readiness (/ready) as Kubernetes probes them (rondom.config.readiness,
docs/deployment.md): ready on a migrated database; 503 with a reason code when a migration is missing or the
database does not answer; the liveness answer never asks the database."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import ConnectionHandler

from rondom.audit.models import AccessLogEntry
from rondom.config import readiness

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    """Each test as a process that has not yet seen its migrations applied (readiness remembers that)."""
    readiness._MIGRATED.clear()
    yield
    readiness._MIGRATED.clear()


def test_ready_on_the_migrated_test_database(client) -> None:  # type: ignore[no-untyped-def]
    logged = AccessLogEntry.objects.count()
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert response["Cache-Control"] == "no-store, private"
    assert AccessLogEntry.objects.count() == logged  # a probe is not an access to a child's data


def test_once_ready_a_probe_asks_the_database_but_not_the_migration_graph(client, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/ready").status_code == 200
    with django_assert_num_queries(1):  # SELECT 1: the database still answers
        assert client.get("/ready").status_code == 200


def test_a_migration_missing_from_the_database_answers_503_migrations_pending(client) -> None:  # type: ignore[no-untyped-def]
    # The real case of a new image before its migrate Job: the code has a migration the database has not recorded.
    # Unrecording one leaf migration (inside the test's transaction, rolled back afterwards) builds exactly that.
    app, name = sorted(MigrationExecutor(connection).loader.graph.leaf_nodes())[0]
    MigrationRecorder(connection).record_unapplied(app, name)
    assert readiness.not_ready_reason() == readiness.MIGRATIONS_PENDING
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "not_ready", "reason": "migrations_pending"}


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local TCP port that refuses connections: bound (so no other process takes it) but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_a_database_that_does_not_answer_is_database_unreachable(closed_port: int) -> None:
    # A second, real PostgreSQL connection setting pointing at a closed port: psycopg's connect is refused. (Its own
    # handler, whose one alias Django requires to be called "default"; the test database's connection is untouched.)
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "rondom",
                "USER": "rondom",
                "HOST": "127.0.0.1",
                "PORT": str(closed_port),
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    unreachable = handler["default"]
    try:
        assert readiness.not_ready_reason(unreachable) == readiness.DATABASE_UNREACHABLE
    finally:
        unreachable.close()


def test_liveness_answers_without_asking_the_database(client, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(0):
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_reason_codes_are_the_documented_ones() -> None:
    documented = (Path(__file__).resolve().parent.parent / "docs" / "deployment.md").read_text(encoding="utf-8")
    for reason in readiness.REASONS:
        assert f"`{reason}`" in documented
