"""Small database helpers shared by the apps."""

from __future__ import annotations

from django.db import connection


def analyse(table: str) -> None:
    """After a rollup table is rewritten, let PostgreSQL's planner know its new size at once (instead of when
    autovacuum comes by): with stale statistics it sorts where hashing is cheaper. Nothing on SQLite, and nothing
    inside a transaction (a test, a caller's atomic block): ANALYZE there would see uncommitted rows only."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{table}"')
