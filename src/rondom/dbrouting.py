"""Reads of the monitoring and its exports on a read replica (issue 17, the national path; docs/production.md).

When DATABASE_REPLICA_URL is set, settings define a second database alias, ``replica`` (a PostgreSQL streaming
replica of ``default``), and :class:`ReplicaRouter` sends the reads done inside :func:`reading_from_replica` there.
Everything else stays on ``default``:

- every write (the router never names the replica for a write, so the access-log row of a monitoring export is
  written on the primary, in the request's own transaction);
- every read outside ``reading_from_replica()`` (the whole product except the monitoring pages, its API and the
  research export);
- reads inside a transaction opened *within* the block (a write transaction must read its own writes, and
  ``select_for_update`` must lock rows on the primary; Django routes those as writes anyway);
- reads of the apps in :data:`PRIMARY_ONLY_APPS`: who may see what (memberships, grants, consents, accounts,
  sessions) and the access log itself are always read where they are written, so a withdrawn consent or an ended
  membership counts at once, never a replication lag later.

Without a ``replica`` alias the router sends everything to ``default``: nothing changes.

``reading_from_replica()`` is a context manager and a decorator; it is kept in a context variable, so it holds for
the thread or task that entered it and for nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

#: The alias of the read replica in settings.DATABASES (present only when DATABASE_REPLICA_URL is set).
REPLICA = "replica"
#: Apps whose rows are always read from the primary: access decisions and the access log (see the module docstring).
PRIMARY_ONLY_APPS = frozenset(
    {"access", "accounts", "audit", "consent", "auth", "sessions", "axes", "otp_totp", "oauth2_provider"}
)

#: The depth of the default connection's atomic blocks when reading_from_replica() was entered; None outside it.
_entered_at: ContextVar[int | None] = ContextVar("rondom_replica_reads", default=None)


def replica_configured() -> bool:
    """Whether a ``replica`` database alias exists (settings.DATABASES, from DATABASE_REPLICA_URL)."""
    return REPLICA in connections.settings


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Within this block (or the decorated function), reads go to the replica when one is configured.

    Nested use is harmless; leaving restores what held before."""
    token = _entered_at.set(len(connections[DEFAULT_DB_ALIAS].atomic_blocks))
    try:
        yield
    finally:
        _entered_at.reset(token)


def reads_from_replica(model: type[Model] | None = None) -> bool:
    """Whether a read of `model` here and now goes to the replica (the rules of the module docstring)."""
    entered_at = _entered_at.get()
    if entered_at is None or not replica_configured():
        return False
    if model is not None and model._meta.app_label in PRIMARY_ONLY_APPS:
        return False
    return len(connections[DEFAULT_DB_ALIAS].atomic_blocks) <= entered_at  # no write transaction opened within


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads in `reading_from_replica()` to ``replica``, everything else to ``default``."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return REPLICA if reads_from_replica(model) else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary: an object read there may be related to one read here.
        databases = {DEFAULT_DB_ALIAS, REPLICA}
        return True if {obj1._state.db, obj2._state.db} <= databases else None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        # The replica follows the primary's schema through replication; nothing is ever migrated on it.
        return False if db == REPLICA else None
