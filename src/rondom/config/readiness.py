"""Liveness and readiness of a web process, as Kubernetes probes ask them (docs/deployment.md).

- ``GET /health`` (liveness, and the startup probe): the process answers requests. It touches no database, so an
  outage of PostgreSQL does not make Kubernetes restart every web pod (a restart would not bring the database back).
- ``GET /ready`` (readiness): the process can serve users: the database answers and every migration this code
  knows is applied. 200 ``{"status": "ready"}``; otherwise 503 ``{"status": "not_ready", "reason": <code>}`` with
  one code of ``REASONS``, and Kubernetes sends no traffic to the pod until it answers 200 again (e.g. during a
  rolling update before the migrate Job has run, or while the database fails over).

Neither answer carries personal data, and neither serves a child's data (no NEN 7513 access-log row). The check
loads the migration graph from the code on each call (about 10 ms once the modules are imported) and asks the
database for the applied migrations (one query), so it also notices migrations rolled back by hand.
"""

from __future__ import annotations

from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

DATABASE_UNREACHABLE = "database_unreachable"
MIGRATIONS_PENDING = "migrations_pending"
#: The reason codes /ready can answer with (stable: monitoring may alert on them).
REASONS = (DATABASE_UNREACHABLE, MIGRATIONS_PENDING)


def not_ready_reason(connection: BaseDatabaseWrapper | None = None) -> str | None:
    """Why this process cannot serve yet, or None when it can.

    ``connection``: the database to check (default: the ``default`` alias). Returns ``DATABASE_UNREACHABLE`` when
    connecting or querying raises a database error, ``MIGRATIONS_PENDING`` when the migration plan from the current
    state to the code's leaf migrations is not empty. Raises nothing for a database fault."""
    connection = connection if connection is not None else connections["default"]
    try:
        connection.ensure_connection()
        if connection.alias in _MIGRATED:
            # The code's migrations were all applied when this process last looked; they cannot become unapplied
            # for the same code, so only the database's answer is checked (rebuilding the migration graph on every
            # probe cost ~30x a liveness answer: issue 17 review).
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return None
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        return DATABASE_UNREACHABLE
    if plan:
        return MIGRATIONS_PENDING
    _MIGRATED.add(connection.alias)
    return None


#: The database aliases on which this process found every migration applied (see not_ready_reason).
_MIGRATED: set[str] = set()


def health(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 ``{"status": "ok"}`` whenever the process answers; no database query."""
    return JsonResponse({"status": "ok"})


def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 ``{"status": "ready"}``, or 503 ``{"status": "not_ready", "reason": <one of REASONS>}``."""
    reason = not_ready_reason()
    if reason is None:
        return JsonResponse({"status": "ready"})
    return JsonResponse({"status": "not_ready", "reason": reason}, status=503)
