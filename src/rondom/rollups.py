"""Rollups per school and month, computed in the database: the shared machinery (issue 17).

A rolled-up fact is a `Source`: its raw rows, where a row is counted (the school), when (a day, or a moment counted
in the Dutch local month) and what it adds (a total and a count). `insert_select` turns a source's grouped query
into one `INSERT ... SELECT` (no row through Python), on SQLite and PostgreSQL alike. The monitoring's rollup
(`monitoring.rollup`) and the absence rollup (`attendance.services.refresh_absence_months`) are built on it.

The queue of changed school-months and the frozen (published) school years are the monitoring's
(`monitoring.rollup`); apps below it reach them through `queue()`, which the monitoring registers when Django
starts (`MonitoringConfig.ready`). Without it (an app used on its own) marks are dropped and nothing is frozen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Protocol

from django.db import connection
from django.db.models import Count, DateField, F, Func, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from rondom.core.schoolyear import SchoolYear

Pair = tuple[int, date]  # (school id, first day of the month)


class Queue(Protocol):
    """What the monitoring offers the apps below it (monitoring.rollup)."""

    def mark(self, pairs: Iterable[Pair], reason: str) -> int: ...

    def drain(self) -> dict[str, int]: ...

    def frozen_years(self) -> set[int]: ...

    def mark_children_moved(self, child_ids: Iterable[int], reason: str) -> int: ...


class _NoQueue:
    def mark(self, pairs: Iterable[Pair], reason: str) -> int:
        return 0

    def drain(self) -> dict[str, int]:
        return {}

    def frozen_years(self) -> set[int]:
        return set()

    def mark_children_moved(self, child_ids: Iterable[int], reason: str) -> int:
        return 0


_queue: list[Queue] = [_NoQueue()]


def register(implementation: Queue) -> None:
    """Called once by the monitoring app when Django starts."""
    _queue[0] = implementation


def queue() -> Queue:
    """The registered queue: `mark(pairs, reason)` school-months changed, `drain()` refresh what is queued,
    `frozen_years()` the published school years whose rollup rows never change, `mark_children_moved(ids, reason)`
    the school-months of children whose school changes in a bulk write (call before and after it)."""
    return _queue[0]


@dataclass(frozen=True)
class Source:
    """One fact's raw rows and how they are counted. `rows` gives the raw queryset (with the fact's own filters);
    `school` and `day` are lookups from it (`moment`: `day` is a DateTimeField, counted in the local month);
    `total` and `count` build the aggregates; `key` is an extra grouping column (absence: the kind)."""

    rows: Callable[[], QuerySet[Any]]
    school: str
    day: str
    total: Callable[[], Any]
    count: Callable[[], Any] = lambda: Count("pk")
    moment: bool = False
    key: str | None = None

    def month(self) -> Any:
        """The first day of the row's (local) month."""
        return TruncMonth(self.day, output_field=DateField()) if self.moment else MonthOf(self.day)

    def _range(self, first: date, after: date) -> dict[str, Any]:
        if self.moment:
            return {f"{self.day}__gte": local_midnight(first), f"{self.day}__lt": local_midnight(after)}
        return {f"{self.day}__gte": first, f"{self.day}__lt": after}

    def in_years(self, years: Iterable[int]) -> Q:
        """Rows whose day falls in one of these school years (a range on the raw column: index-friendly)."""
        where = Q(pk__in=[])
        for year in sorted(set(years)):
            where |= Q(**self._range(SchoolYear(year).first_day, SchoolYear(year + 1).first_day))
        return where

    def within(self, pairs: Iterable[Pair]) -> Q:
        """Rows of these school-months: per month, the day within it and the school among those queued."""
        by_month: dict[date, set[int]] = defaultdict(set)
        for school, month in pairs:
            by_month[month].add(school)
        where = Q(pk__in=[])
        for month, schools in by_month.items():
            where |= Q(**{f"{self.school}__in": sorted(schools)}, **self._range(month, next_month(month)))
        return where

    def grouped(self, where: Q | None = None, skip_years: Iterable[int] = ()) -> QuerySet[Any]:
        """(at = school, when = month[, k = key], total, n) per group; rows of `skip_years` left out."""
        rows = self.rows()
        if where is not None:
            rows = rows.filter(where)
        skip = list(skip_years)
        if skip:
            rows = rows.exclude(self.in_years(skip))
        columns: dict[str, Any] = {"at": F(self.school), "when": self.month()}
        if self.key:
            columns["k"] = F(self.key)
        return rows.values(**columns).annotate(total=self.total(), n=self.count()).filter(at__isnull=False).order_by()

    def pairs(self, **lookup: Any) -> set[Pair]:
        """The school-months the rows matching `lookup` count in (for the hooks: the same rule as the rollup)."""
        found = self.rows().filter(**lookup).values_list(F(self.school), self.month()).distinct().order_by()
        return {(school, as_date(month)) for school, month in found if school is not None}


class MonthOf(Func):
    """The first day of a date's month, in plain SQL (Django's TruncMonth calls a Python function per row on
    SQLite): dates are stored as ISO text there."""

    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, template="(substr(%(expressions)s, 1, 8) || '01')", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, template="DATE_TRUNC('month', %(expressions)s)::date", **extra)


def school_year_sql(month: str) -> str:
    """SQL for the school year (its first calendar year) of a month's first day: August on is the next one."""
    if connection.vendor == "sqlite":
        return f"(CAST(substr({month}, 1, 4) AS INTEGER) - (CAST(substr({month}, 6, 2) AS INTEGER) < 8))"
    before_august = f"CASE WHEN EXTRACT(MONTH FROM {month}) < 8 THEN 1 ELSE 0 END"
    return f"(CAST(EXTRACT(YEAR FROM {month}) AS INTEGER) - {before_august})"


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def year_of(month: date) -> int:
    """The school year (its first calendar year) a month falls in."""
    return SchoolYear.of(month).start_year


def insert_select(table: str, columns: list[str], grouped: QuerySet[Any], select: list[str], params: list[Any]) -> int:
    """INSERT INTO table (columns) SELECT select FROM (the grouped query) q: one statement, no row through Python.
    Returns the number of rows written."""
    sql, inner = grouped.query.sql_with_params()
    quote = connection.ops.quote_name
    # Identifiers are quoted, the SELECT is the ORM's compiled query, every value a parameter.
    into = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)})"
    statement = f"{into} SELECT {', '.join(select)} FROM ({sql}) q"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *inner])
        return max(cursor.rowcount, 0)


def column(alias: str) -> str:
    return "q." + connection.ops.quote_name(alias)


def rows_of(pairs: Iterable[Pair]) -> Q:
    """Rollup rows (school_id, month) of these school-months."""
    by_month: dict[date, set[int]] = defaultdict(set)
    for school, month in pairs:
        by_month[month].add(school)
    where = Q(pk__in=[])
    for month, schools in by_month.items():
        where |= Q(month=month, school_id__in=sorted(schools))
    return where
