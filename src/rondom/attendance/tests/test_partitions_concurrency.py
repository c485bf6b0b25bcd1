"""Two runs of `ensure_partitions` at the same moment (the scheduler's task and a manual
`manage.py ensure_absence_partitions`), each on its own connection. No django_db marker: `concurrent` commits."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from rondom.attendance.partitions import detach_school_year, ensure_partitions, partition_name, partitions
from rondom.core.schoolyear import SchoolYear
from tests.concurrency import concurrent, run_at_once

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitioning is PostgreSQL's (SQLite keeps one plain table)"
)


@on_postgresql
@concurrent
def test_two_runs_at_the_same_moment_make_each_partition_once() -> None:
    year = SchoolYear(2050)
    try:
        results = run_at_once([lambda: ensure_partitions(date(2050, 9, 1), years_ahead=0)] * 2)
        assert not [r for r in results if isinstance(r, BaseException)], results
        assert sorted(len(r.created) for r in results) == [0, 1]  # type: ignore[union-attr]
        assert partition_name(year) in partitions(connection)
    finally:  # committed DDL: the flush after this test would not take the partition away
        detach_school_year(year, drop=True)
