"""On PostgreSQL: absence records partitioned by school year (issue 17, the national path; docs/production.md).

`attendance_absencerecord` becomes a table partitioned by RANGE on `date`: one partition per school year (1 August
up to 1 August) from the oldest row to the next school year, plus a DEFAULT partition. Every row, CHECK constraint,
unique constraint, index and foreign key is carried over (read from the catalogue, so an index another migration
added comes along too). The primary key becomes (id, date), because a unique constraint on a partitioned table must
contain the partition key; `id` stays unique because one identity sequence gives every id, and Django keeps `id` as
the model's primary key (the model state does not change). A unique constraint without `date` would stop the
migration with that explanation rather than be silently weakened.

SQLite: nothing happens. Reversible: back to one plain table with primary key (id).

One transaction that holds the table exclusively while the rows are copied: on a large database run it in a
maintenance window (about a minute per ten million rows on ordinary hardware; see docs/production.md).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import migrations

TABLE = "attendance_absencerecord"
OLD = f"{TABLE}_unpartitioned"
KEY = "date"


def _school_year_start(day: date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def _columns(definition: str) -> list[str]:
    """'UNIQUE (child_id, date, lesson_hour)' -> ['child_id', 'date', 'lesson_hour']."""
    inside = re.search(r"\(([^)]*)\)", definition)
    return [c.strip().strip('"') for c in inside.group(1).split(",")] if inside else []


def _rebuild(cursor: Any, *, partitioned: bool, today: date) -> None:
    """Rebuild the table as a partitioned one (or back as a plain one), keeping rows, constraints and indexes."""
    cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{OLD}"')
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC, conname",
        [OLD],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)",
        [OLD],
    )
    indexes = cursor.fetchall()
    # Free the index names (they are unique in the schema); the old table goes at the end anyway.
    for name, kind, _definition in constraints:
        if kind in ("p", "u"):
            cursor.execute(f'ALTER TABLE "{OLD}" DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')

    like = "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS"
    if partitioned:
        cursor.execute(f'CREATE TABLE "{TABLE}" (LIKE "{OLD}" {like}) PARTITION BY RANGE ("{KEY}")')
        cursor.execute(f'SELECT MIN("{KEY}"), MAX("{KEY}") FROM "{OLD}"')  # noqa: S608
        low, high = cursor.fetchone()
        current = _school_year_start(today)
        first = min(current, _school_year_start(low)) if low else current
        last = max(current + 1, _school_year_start(high)) if high else current + 1
        for start in range(first, last + 1):
            cursor.execute(
                f'CREATE TABLE "{TABLE}_{start}_{start + 1}" PARTITION OF "{TABLE}" '
                f"FOR VALUES FROM ('{start}-08-01') TO ('{start + 1}-08-01')"
            )
        cursor.execute(f'CREATE TABLE "{TABLE}_default" PARTITION OF "{TABLE}" DEFAULT')
    else:
        cursor.execute(f'CREATE TABLE "{TABLE}" (LIKE "{OLD}" {like})')
    cursor.execute(f'INSERT INTO "{TABLE}" OVERRIDING SYSTEM VALUE SELECT * FROM "{OLD}"')  # noqa: S608

    for name, kind, definition in constraints:
        if kind == "p":
            columns = [c for c in _columns(definition) if c != KEY] + ([KEY] if partitioned else [])
            definition = "PRIMARY KEY ({})".format(", ".join(f'"{c}"' for c in columns))
        elif kind == "u" and partitioned and KEY not in _columns(definition):
            raise RuntimeError(
                f"{name}: a unique constraint on a partitioned table must contain the partition key {KEY!r}; "
                "decide how it should read (with the date, or enforced otherwise) before partitioning"
            )
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        if partitioned and definition.startswith("CREATE UNIQUE") and KEY not in _columns(definition):
            raise RuntimeError(f"{name}: a unique index on a partitioned table must contain {KEY!r}")
        definition = re.sub(rf'ON (ONLY )?(\w+\.)?"?{OLD}"?', f'ON "{TABLE}"', definition)
        cursor.execute(definition)

    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
        f'COALESCE((SELECT MAX(id) FROM "{TABLE}"), 0) + 1, false)',  # noqa: S608
        [TABLE],
    )
    cursor.execute(f'DROP TABLE "{OLD}"')
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
    sequence = cursor.fetchone()[0]
    if sequence.split(".")[-1].strip('"') != f"{TABLE}_id_seq":  # named ..._seq1 while the old one existed
        cursor.execute(f'ALTER SEQUENCE {sequence} RENAME TO "{TABLE}_id_seq"')
    cursor.execute(f'ANALYZE "{TABLE}"')


def partition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # The wall clock only decides which empty partitions are made ahead; manage.py ensure_absence_partitions
        # (scheduled weekly) keeps them ahead afterwards.
        _rebuild(cursor, partitioned=True, today=date.today())  # noqa: DTZ011


def unpartition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [TABLE])
        if cursor.fetchone() is not None:
            _rebuild(cursor, partitioned=False, today=date.today())  # noqa: DTZ011


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0007_swv_roles"),
    ]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
