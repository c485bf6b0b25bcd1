"""Absence records partitioned by school year on PostgreSQL: the partitions, made ahead and kept in order.

Absence is the one table that grows with every school day of every pupil (the demo's five school years of Zwolle are
0.75 million rows, a province ten times that; docs/production.md, "The national path"). On PostgreSQL, migration
``0008_partition_absence_17national`` turns ``attendance_absencerecord`` into a table partitioned by RANGE on
``date``, one partition per school year (1 August up to and including 31 July, rondom.core.schoolyear) plus a
DEFAULT partition for any day outside them. A query that names a school year's dates reads one partition
(partition pruning); a school year past its retention can leave as a whole (`detach_school_year`).

Django does not know: the model is unchanged, ``id`` stays its primary key and stays unique because one identity
sequence gives every id, while the database's primary key is (id, date): a unique constraint on a partitioned table
must contain the partition key. The slot's unique constraint (child, date, lesson hour) already does.

On SQLite nothing is partitioned and every function here does nothing.

`ensure_partitions` is run by `manage.py ensure_absence_partitions` and by the scheduler
(`ensure_absence_partitions_task`, settings.SCHEDULED_TASKS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django_tasks import task

from rondom.core.schoolyear import SchoolYear

from .models import AbsenceRecord

TABLE = AbsenceRecord._meta.db_table
DEFAULT_PARTITION = f"{TABLE}_default"
#: The partition key, a DateField of AbsenceRecord.
KEY = "date"


def partition_name(year: SchoolYear) -> str:
    """'attendance_absencerecord_2025_2026' for 2025-2026 (well under PostgreSQL's 63 characters)."""
    return f"{TABLE}_{year.start_year}_{year.start_year + 1}"


def is_partitioned(connection: BaseDatabaseWrapper) -> bool:
    """Whether the absence table is a partitioned table here (PostgreSQL after migration 0008); False on SQLite."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [TABLE])
        return cursor.fetchone() is not None


def partitions(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The absence table's partitions: {name: bound}, e.g. {'..._2025_2026': "FOR VALUES FROM ('2025-08-01') TO
    ('2026-08-01')", '..._default': 'DEFAULT'}. Empty when the table is not partitioned."""
    if not is_partitioned(connection):
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
            [TABLE],
        )
        return dict(cursor.fetchall())


@dataclass
class Outcome:
    """What `ensure_partitions` did: the partitions it created and the rows it moved out of DEFAULT into them."""

    created: list[str] = field(default_factory=list)
    moved: int = 0


def _years_in_default(cursor: object) -> set[int]:
    """Start years of the school years that have rows in the DEFAULT partition (normally none)."""
    cursor.execute(  # type: ignore[attr-defined]
        f'SELECT DISTINCT CAST(EXTRACT(YEAR FROM "{KEY}") AS integer) - '  # noqa: S608 - names are constants
        f'CASE WHEN EXTRACT(MONTH FROM "{KEY}") >= 8 THEN 0 ELSE 1 END FROM "{DEFAULT_PARTITION}"'
    )
    return {row[0] for row in cursor.fetchall()}  # type: ignore[attr-defined]


#: The advisory lock key that serialises `ensure_partitions` runs (any constant unique to this use).
PARTITIONS_LOCK = 17_2026_0008


def ensure_partitions(today: date, years_ahead: int = 1, using: str = "default") -> Outcome:
    """Make sure the school year of `today` and the `years_ahead` school years after it have their partition, and
    that every school year with rows in the DEFAULT partition gets one too (those rows move into it).

    Idempotent: a partition that exists is left alone, so a second run creates and moves nothing. One transaction;
    the DEFAULT partition is locked (ACCESS EXCLUSIVE) while partitions are added, so absence written meanwhile
    waits for seconds at most (rows move only when they were written before the partition existed). Nothing on
    SQLite or on a table that is not partitioned. Raises ValueError for a negative `years_ahead`."""
    if years_ahead < 0:
        raise ValueError("years_ahead must be 0 or more")
    connection = connections[using]
    outcome = Outcome()
    if not is_partitioned(connection):
        return outcome
    first = SchoolYear.of(today).start_year
    wanted = {first + k for k in range(years_ahead + 1)}
    with transaction.atomic(using=using), connection.cursor() as cursor:
        # Runs at the same moment take turns (a lock for this transaction): both reading DEFAULT and then asking
        # for its exclusive lock would deadlock (seen in CI). The second sees what the first made.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITIONS_LOCK])
        existing = set(partitions(connection))
        missing = sorted(y for y in wanted if partition_name(SchoolYear(y)) not in existing)
        stray = _years_in_default(cursor) if DEFAULT_PARTITION in existing else set()
        todo = sorted(set(missing) | {y for y in stray if partition_name(SchoolYear(y)) not in existing})
        if not todo:
            return outcome
        if DEFAULT_PARTITION in existing:
            cursor.execute(f'LOCK TABLE "{DEFAULT_PARTITION}" IN ACCESS EXCLUSIVE MODE')
            # Again, now that no one writes to it and a run of this function at the same moment has finished.
            stray = _years_in_default(cursor)
            existing = set(partitions(connection))
            todo = [y for y in todo if partition_name(SchoolYear(y)) not in existing]
        for start in todo:
            year = SchoolYear(start)
            name = partition_name(year)
            low, high = year.first_day.isoformat(), SchoolYear(start + 1).first_day.isoformat()
            # A standalone table with the parent's columns and CHECK constraints, filled with the year's stray rows,
            # then attached: PostgreSQL builds its indexes, primary key, unique constraint and foreign keys from
            # the parent's. (CREATE TABLE ... PARTITION OF would refuse while DEFAULT holds rows of the range.)
            cursor.execute(f'CREATE TABLE "{name}" (LIKE "{TABLE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
            if start in stray:
                cursor.execute(
                    f'WITH moved AS (DELETE FROM "{DEFAULT_PARTITION}" WHERE "{KEY}" >= %s AND "{KEY}" < %s '  # noqa: S608
                    f'RETURNING *) INSERT INTO "{name}" SELECT * FROM moved',
                    [low, high],
                )
                outcome.moved += max(cursor.rowcount, 0)
            cursor.execute(
                f"ALTER TABLE \"{TABLE}\" ATTACH PARTITION \"{name}\" FOR VALUES FROM ('{low}') TO ('{high}')"
            )
            outcome.created.append(name)
    return outcome


def detach_school_year(year: SchoolYear, *, drop: bool = False, using: str = "default") -> bool:
    """Take a whole school year's absence out of the table at once (retention by partition, docs/production.md):
    DETACH its partition (a plain table remains, e.g. to archive with pg_dump), and DROP it when `drop`.

    Returns False when the year has no partition (or nothing is partitioned). Rows of that year in the DEFAULT
    partition are not touched. The monthly rollups are not recomputed: closed school years keep their figures."""
    connection = connections[using]
    name = partition_name(year)
    if name not in partitions(connection):
        return False
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{TABLE}" DETACH PARTITION "{name}"')
        if drop:
            cursor.execute(f'DROP TABLE "{name}"')
    return True


@task()
def ensure_absence_partitions_task() -> dict[str, int]:
    """The scheduler's weekly run (settings.SCHEDULED_TASKS): the current and next school year's partitions."""
    from django.utils import timezone

    outcome = ensure_partitions(timezone.localdate(), years_ahead=1)
    return {"created": len(outcome.created), "moved": outcome.moved}
