"""Three honest comparisons of the monitoring's figures with DuckDB, on SQLite and on PostgreSQL, in the same run
and on the same rows (issue 17, part 4).

Why three: the dashboard does not aggregate raw rows; it reads two rollups per school and month that the worker
rebuilds (`AbsenceMonth`: absence; `MonthlyFact`: goal scores, answers, closed cases, help requests, school moves).
Comparing the dashboard over its rollups with DuckDB over the raw rows (the one ratio this bench used to print)
set a precomputed answer against a computation — not like with like. So each side's work is compared separately:

- `rollup_rebuild_vs_duckdb_ratio_<db>` (target <= 3): the FULL rebuild of both rollups
  (`attendance.services.refresh_absence_months()` + `monitoring.rollup.refresh_monthly_facts()`, no arguments)
  against DuckDB computing the SAME rollup rows from the same raw rows and writing them into tables of the same
  shape and unique key (DELETE + INSERT ... SELECT in one transaction per rollup, `duck_rollups.py`). Both are the
  median of BENCH_REBUILD_REPEAT runs after one warm-up run. Row for row, every (school, month, kind) of
  `AbsenceMonth` and every (fact, school, month) of `MonthlyFact` — total, count, school year — must equal DuckDB's.
  The rules (local Dutch month for moments, each fact's filters) are written out in `duck_rollups.py`.
- `indicators_vs_duckdb_rollups_ratio_<db>` (target <= 2): the dashboard's query time (`compute_grid`) against
  DuckDB computing the same indicators from the SAME rollup tables (our `AbsenceMonth` and `MonthlyFact`, copied)
  plus the raw tables `compute_grid` still reads (children for pupil counts, schools, thuiszitters, help requests
  for the waiting time, provider ratings, pilots). Every value and `n` must equal `compute_grid`'s.
- `indicators_vs_duckdb_raw_ratio_<db>` (informative, target <= 2): `compute_grid` over the rollups against DuckDB
  computing the same indicators from the RAW rows (the comparison this bench made before, renamed for what it is).
  Every value and `n` must be equal too, which also proves the rollups right from the raw rows a second way.
- `indicators_ms_<db>` (target <= 500): `compute_grid`'s time, and `monitoring_rollup_refresh_s_<db>` (target
  <= 60): the full rebuild of both rollups in seconds.

Method, per database (each in a child process of its own, on a fresh SQLite file or a throwaway PostgreSQL
database that is dropped afterwards):

1. Data (not timed): the Zwolle demo (`data.load`, `population.generate`, `casework.generate`, `absence.generate`,
   `feedback.generate`, `funding.generate`, as `load_demo` does) plus BENCH_HISTORY_YEARS (default 5) school years
   of history (`rondom.demo.history.generate`: at full size about 0.85 million absence records, 66,000 goal
   scores, 42,000 case statuses, help requests, answers, thuiszitters, school moves, provider ratings, spending).
2. Our rebuild, timed per rollup (then summed per run).
3. DuckDB (not timed): the raw rows copied from the Django database into an in-memory DuckDB via CSV: absence
   records (all of them, every kind), children, schools, thuiszitter periods, school moves, feedback responses,
   plans and goal evaluations, support teams, cases and every case status, help requests, provider ratings, the
   pilots' spending, the scopes and years. Moments are loaded as TIMESTAMPTZ (the rollups and the waiting time turn
   them into local dates inside DuckDB's timed queries) and, for the raw indicator queries only, also as their
   local date converted while loading (as before). Then DuckDB's rebuild (timed), and the row-for-row check.
4. `compute_grid` for six scopes — each of the three pilots (its schools, with the pilot for its spending) and its
   comparison area (the rest of the city's schools) — times the five school years, all indicators: the median of
   BENCH_REPEAT runs after one warm-up run. DuckDB's two computations are timed the same way: one SQL query per
   kind of fact grouped by scope and school year; Python only turns the exact sums and counts into the rounded
   Decimals the engine returns (`Decimal(str(x)).quantize(places)`, half to even; a median is the mean of the two
   middle values, as `statistics.median`). DuckDB runs with its default threads (all cores).

Per-fact timings of every side are printed as well (not targets), to show where the time goes. Any difference in
a rollup row or a figure is printed and the bench exits non-zero.

Environment: BENCH_INDICATORS_DBS=sqlite,postgres (which databases), BENCH_REPEAT (default 7),
BENCH_REBUILD_REPEAT (default 3), BENCH_HISTORY_YEARS (default 5; fewer for a quick run while developing),
BENCH_SCALE (the population's scale, default 1 = Zwolle; e.g. 0.2 for a quick run), BENCH_POSTGRES_URL (server,
default postgres://postgres@127.0.0.1:5432/postgres). A run with other sizes than the defaults prints the same
lines; only the default sizes are the figures of record.
"""

from __future__ import annotations

import csv
import inspect
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duck_rollups as rollups
from common import emit
from duck_rollups import median_ms

ROOT = Path(__file__).resolve().parent.parent
REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))
REBUILD_REPEAT = int(os.environ.get("BENCH_REBUILD_REPEAT", "3"))
HISTORY_YEARS = int(os.environ.get("BENCH_HISTORY_YEARS", "5"))
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TARGET_RATIO, TARGET_MS, TARGET_REFRESH_S, TARGET_REBUILD_RATIO = 2.0, 500.0, 60.0, 3.0


# --- The parent: one child process per database ------------------------------------------------------------------


def main() -> int:
    databases = os.environ.get("BENCH_INDICATORS_DBS", "sqlite,postgres").split(",")
    failed = 0
    for db in databases:
        var = tempfile.mkdtemp(prefix=f"rondom-bench-indicators-{db}-")
        env = {
            **os.environ,
            "RONDOM_VAR_DIR": var,
            "DJANGO_SETTINGS_MODULE": "rondom.config.settings",
            "RONDOM_LOG_LEVEL": "WARNING",
        }
        env.pop("DATABASE_URL", None)
        name = f"rondom_bench_indicators_{os.getpid()}"
        if db == "postgres":
            try:
                _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
            except Exception as error:  # no server: say so, and the figures are missing
                print(f"PostgreSQL at {SERVER} is not reachable ({error}); no PostgreSQL figures")
                nan = float("nan")
                emit("monitoring_rollup_refresh_s_postgres", nan, "s", "<=", TARGET_REFRESH_S)
                emit("rollup_rebuild_vs_duckdb_ratio_postgres", nan, "x", "<=", TARGET_REBUILD_RATIO, places=2)
                emit("indicators_ms_postgres", nan, "ms", "<=", TARGET_MS)
                emit("indicators_vs_duckdb_rollups_ratio_postgres", nan, "x", "<=", TARGET_RATIO, places=2)
                emit("indicators_vs_duckdb_raw_ratio_postgres", nan, "x", "<=", TARGET_RATIO, places=2)
                failed = 1
                continue
            env["DATABASE_URL"] = SERVER.rsplit("/", 1)[0] + "/" + name
        print(f"-- {db}", flush=True)
        try:
            failed |= subprocess.call([sys.executable, __file__, "--one", db], cwd=ROOT, env=env)
        finally:
            shutil.rmtree(var, ignore_errors=True)  # the SQLite file of a million rows
            if db == "postgres":
                _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return failed


def _postgres(*statements: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True, connect_timeout=5) as connection:
        for statement in statements:
            connection.execute(statement)  # type: ignore[arg-type]


# --- The child: one database ------------------------------------------------------------------------------------


def one(db: str) -> int:
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    import random

    from django.core.management import call_command

    from rondom.accounts.models import Organisation
    from rondom.attendance.models import AbsenceRecord
    from rondom.demo import absence, casework, data, feedback, funding, history, population
    from rondom.funding.models import Pilot
    from rondom.monitoring import indicators as engine
    from rondom.registry.models import Municipality

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    data.load()
    population.generate(scale=SCALE, progress=False)
    casework.generate(random.Random(2026))
    absence.generate(random.Random(2026))
    feedback.generate(random.Random(2026))
    funding.generate(random.Random(2026))
    demo_s = time.perf_counter() - started
    report = history.generate(random.Random(2026), years=HISTORY_YEARS, progress=False)
    print(
        f"data (scale {SCALE:g}): demo {demo_s:.0f} s, {HISTORY_YEARS} school years of history "
        f"{report.seconds:.0f} s: {report.counts}"
    )
    print(f"absence records in all: {AbsenceRecord.objects.count()}", flush=True)
    failed = 0

    # 1. The rollups: our full rebuild against DuckDB's, from the same raw rows.
    ours_s, parts = _our_rebuild()
    emit(f"monitoring_rollup_refresh_s_{db}", ours_s, "s", "<=", TARGET_REFRESH_S)

    # The dashboard's question: each pilot against the rest of the city, five school years.
    zwolle = Municipality.objects.get(name="Zwolle")
    city = frozenset(
        Organisation.objects.filter(kind="school", municipality=zwolle).values_list("pk", flat=True)  # type: ignore[misc]
    )
    scopes: dict[str, engine.Scope] = {}
    for pilot in Pilot.objects.order_by("pk"):
        mine = frozenset(pilot.schools.values_list("pk", flat=True)) & city
        scopes[f"pilot {pilot.pk}"] = engine.Scope(mine, pilot)
        scopes[f"rest of the city {pilot.pk}"] = engine.Scope(city - mine)
    current = engine.SchoolYear.current().start_year
    years = [engine.SchoolYear(current - n) for n in range(4, -1, -1)]
    print("scopes: " + ", ".join(f"{name} ({len(s.schools)} schools)" for name, s in scopes.items()))

    duck = Duck(scopes, years)
    duck.load()
    rollups.create_targets(duck.db)
    duck_absence_ms = median_ms(lambda: rollups.rebuild_absence_months(duck.db), REBUILD_REPEAT)[0]
    duck_facts_ms = median_ms(lambda: rollups.rebuild_monthly_facts(duck.db), REBUILD_REPEAT)[0]
    duck_s = (duck_absence_ms + duck_facts_ms) / 1000
    wrong = rollups.check(duck.db, *_our_rollup_rows())
    print(
        f"full rebuild of both rollups (median of {REBUILD_REPEAT}): ours {ours_s:.2f} s "
        f"(AbsenceMonth {parts['absence_months']:.2f} s, MonthlyFact {parts['monthly_facts']:.2f} s); "
        f"DuckDB {duck_s:.3f} s (AbsenceMonth {duck_absence_ms / 1000:.3f} s, MonthlyFact {duck_facts_ms / 1000:.3f} s)"
    )
    _rebuild_breakdown(duck, parts["absence_months"])
    emit(
        f"rollup_rebuild_vs_duckdb_ratio_{db}", ours_s / duck_s, "x", "<=", TARGET_REBUILD_RATIO, ok=not wrong, places=2
    )
    failed |= _report(f"rollup rows differ between our rebuild and DuckDB's on {db}", wrong)
    if not wrong:
        absence_rows, fact_rows = duck.db.execute(
            "SELECT (SELECT count(*) FROM duck_absence_month), (SELECT count(*) FROM duck_monthly_fact)"
        ).fetchone()
        print(f"correct: all {absence_rows} AbsenceMonth rows and {fact_rows} MonthlyFact rows equal DuckDB's")

    # 2. The indicators: compute_grid against DuckDB from the same rollups, and (informative) from the raw rows.
    duck.load_rollups()
    ours_ms, ours = median_ms(lambda: engine.compute_grid(scopes, years), REPEAT)
    from_rollups_ms, from_rollups = median_ms(duck.compute_from_rollups, REPEAT)
    raw_ms, raw = median_ms(duck.compute_raw, REPEAT)
    wrong_rollups = compare(ours, from_rollups, scopes, years)
    wrong_raw = compare(ours, raw, scopes, years)
    _breakdown(engine, scopes, years, duck)
    print(
        f"compute_grid {ours_ms:.1f} ms; DuckDB from the rollups {from_rollups_ms:.1f} ms, from the raw rows "
        f"{raw_ms:.1f} ms (median of {REPEAT})"
    )
    emit(f"indicators_ms_{db}", ours_ms, "ms", "<=", TARGET_MS, ok=not (wrong_rollups or wrong_raw))
    emit(
        f"indicators_vs_duckdb_rollups_ratio_{db}",
        ours_ms / from_rollups_ms,
        "x",
        "<=",
        TARGET_RATIO,
        ok=not wrong_rollups,
        places=2,
    )
    emit(f"indicators_vs_duckdb_raw_ratio_{db}", ours_ms / raw_ms, "x", "<=", TARGET_RATIO, ok=not wrong_raw, places=2)
    failed |= _report(f"figures differ between compute_grid and DuckDB from the rollups on {db}", wrong_rollups)
    failed |= _report(f"figures differ between compute_grid and DuckDB from the raw rows on {db}", wrong_raw)
    if not (wrong_rollups or wrong_raw):
        figures = len(scopes) * len(years) * len(engine.INDICATORS)
        print(f"correct: all {figures} figures (value and n) equal DuckDB's, from the rollups and from the raw rows")
    return failed


def _report(what: str, wrong: list[str]) -> int:
    """Print the differences (at most 40) to stderr; 1 if there are any."""
    if not wrong:
        return 0
    print(f"ERROR: {len(wrong)} {what}:", file=sys.stderr)
    for line in wrong[:40]:
        print("  " + line, file=sys.stderr)
    return 1


def _our_rebuild() -> tuple[float, dict[str, float]]:
    """Our full rebuild of both rollups: the median total in seconds of REBUILD_REPEAT runs after a warm-up, and the
    median of each rollup on its own."""
    from rondom.attendance.services import refresh_absence_months
    from rondom.monitoring.rollup import refresh_monthly_facts

    runs: list[tuple[float, float]] = []
    for _ in range(REBUILD_REPEAT + 1):
        started = time.perf_counter()
        refresh_absence_months()
        middle = time.perf_counter()
        refresh_monthly_facts()
        runs.append((middle - started, time.perf_counter() - middle))
    runs = runs[1:]  # the first run warms up, as DuckDB's
    return statistics.median(a + b for a, b in runs), {
        "absence_months": statistics.median(a for a, _ in runs),
        "monthly_facts": statistics.median(b for _, b in runs),
    }


def _our_rollup_rows() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    from rondom.attendance.models import AbsenceMonth
    from rondom.monitoring.models import MonthlyFact

    return (
        list(AbsenceMonth.objects.values_list("school_id", "month", "kind", "minutes", "records")),
        list(MonthlyFact.objects.values_list("fact", "school_id", "month", "school_year", "total", "count")),
    )


def _rebuild_breakdown(duck: Duck, absence_s: float) -> None:
    """Where the rebuild's time goes: per fact, ours (`AbsenceMonth` as timed above; a fact of `MonthlyFact` when
    `refresh_monthly_facts` takes the facts to refresh, each refreshed on its own in its own transaction) and
    DuckDB's (each fact's rows written into a scratch table), median of REBUILD_REPEAT."""
    from rondom.monitoring import rollup

    theirs = rollups.fact_timings(duck.db, REBUILD_REPEAT)
    per_fact = "facts" in inspect.signature(rollup.refresh_monthly_facts).parameters
    for name, duck_ms in theirs.items():
        mine = f"ours {absence_s * 1000:8.1f} ms  " if name == "absence_months" else ""
        if name != "absence_months" and per_fact:
            ms = median_ms(lambda n=name: rollup.refresh_monthly_facts(facts=[n]), REBUILD_REPEAT)[0]  # type: ignore[call-arg]
            mine = f"ours {ms:8.1f} ms  "
        print(f"  rebuild {name:<15} {mine}DuckDB {duck_ms:7.1f} ms")


def compare(ours: dict[Any, Any], theirs: dict[Any, Any], scopes: dict[str, Any], years: list[Any]) -> list[str]:
    from rondom.monitoring.indicators import INDICATORS

    wrong = []
    for name in scopes:
        for year in years:
            for indicator in INDICATORS:
                mine = ours[(name, year)][indicator.key]
                other = theirs[(name, year.start_year)][indicator.key]
                if (mine.value, mine.n) != other:
                    wrong.append(
                        f"{name} {year} {indicator.key}: compute_grid {mine.value} (n={mine.n}), "
                        f"DuckDB {other[0]} (n={other[1]})"
                    )
    return wrong


def _breakdown(engine: Any, scopes: dict[str, Any], years: list[Any], duck: Duck) -> None:
    """Where the dashboard's time goes: each kind of fact on its own (median of REPEAT), ours and DuckDB's."""
    every = frozenset().union(*(s.schools for s in scopes.values()))
    seen = []
    for indicator in engine.INDICATORS:
        if indicator.facts in seen:
            continue
        seen.append(indicator.facts)
        ms, _r = median_ms(lambda f=indicator.facts: f(engine.Grid(tuple(years), every)), REPEAT)
        print(f"  facts of {indicator.key:<18} compute_grid {ms:7.1f} ms")
    for label, queries in (("from the rollups", duck.rollup_queries), ("from the raw rows", duck.queries)):
        for name, sql in queries.items():
            ms, _r = median_ms(lambda q=sql: duck.db.execute(q).fetchall(), REPEAT)
            print(f"  query {name:<26} DuckDB {label:<17} {ms:7.1f} ms")


# One query per kind of fact: per scope and school year the exact sums and counts (a school year is named by
# its first calendar year, as SchoolYear.start_year).
_YEAR = "CASE WHEN month({d}) >= 8 THEN year({d}) ELSE year({d}) - 1 END"
_SQL: dict[str, str] = {
    "pupils": """
        SELECT s.scope, coalesce(sum(n) FILTER (WHERE t.school_type IN ('po', 'sbo', 'so')), 0),
               coalesce(sum(n) FILTER (WHERE t.school_type IN ('vo', 'pro', 'vso', 'mbo')), 0),
               coalesce(sum(n), 0)
        FROM scope_school s
        LEFT JOIN (SELECT school_id, count(*) AS n FROM child WHERE school_id IS NOT NULL AND NOT anonymised
                   GROUP BY school_id) p ON p.school_id = s.school_id
        LEFT JOIN school t ON t.id = s.school_id
        GROUP BY s.scope""",
    "thuiszitters": """
        SELECT s.scope, y.y, count(DISTINCT z.child_id)
        FROM thuiszitter z JOIN child c ON c.id = z.child_id
        JOIN scope_school s ON s.school_id = coalesce(z.school_id, c.school_id)
        JOIN years y ON z.started_on <= y.last_day AND (z.ended_on IS NULL OR z.ended_on >= y.first_day)
        GROUP BY ALL""",
    "absence": """
        WITH per_school AS (
            SELECT school_id, {year_date} AS y, sum(minutes) AS minutes
            FROM absence
            WHERE kind = 'unauthorised' AND day BETWEEN $first AND $last
            GROUP BY ALL)
        SELECT s.scope, a.y,
               sum(a.minutes) FILTER (WHERE t.school_type IN ('po', 'sbo', 'so')),
               sum(a.minutes) FILTER (WHERE t.school_type IN ('vo', 'pro', 'vso', 'mbo'))
        FROM per_school a JOIN scope_school s USING (school_id) JOIN school t ON t.id = a.school_id
        GROUP BY ALL""",
    "moves": """
        WITH per_school AS (
            SELECT from_school_id AS school_id, kind, {year_moved} AS y, count(DISTINCT child_id) AS children
            FROM school_move
            WHERE kind IN ('drop_out', 'down') AND moved_on BETWEEN $first AND $last
            GROUP BY ALL)
        SELECT s.scope, m.y,
               sum(m.children) FILTER (WHERE m.kind = 'drop_out' AND t.school_type IN ('vo', 'pro', 'vso', 'mbo')),
               sum(m.children) FILTER (WHERE m.kind = 'down')
        FROM per_school m JOIN scope_school s USING (school_id) LEFT JOIN school t ON t.id = m.school_id
        GROUP BY ALL""",
    "feedback": """
        SELECT s.scope, {year_answered} AS y,
               sum(wellbeing), count(wellbeing), sum(helps), count(helps)
        FROM feedback f JOIN scope_school s USING (school_id)
        WHERE answered_on BETWEEN $first AND $last
        GROUP BY ALL""",
    "goals": """
        SELECT s.scope, {year_evaluated} AS y, sum(g.score), count(*)
        FROM goal_evaluation g JOIN plan p ON p.id = g.plan_id JOIN child c ON c.id = p.child_id
        JOIN scope_school s ON s.school_id = c.school_id
        WHERE g.evaluated_on BETWEEN $first AND $last
        GROUP BY ALL""",
    "solved": """
        SELECT s.scope, {year_changed} AS y, count(*) FILTER (WHERE k.solved_within_school), count(*)
        FROM cases k JOIN case_status st ON st.id = k.status_id
        JOIN support_team t ON t.id = k.team_id JOIN scope_school s ON s.school_id = t.school_id
        WHERE st.state = 'closed' AND st.changed_on BETWEEN $first AND $last
        GROUP BY ALL""",
    "requests": """
        WITH r AS (
            SELECT s.scope, {year_requested} AS y, h.kind,
                   (h.first_contact_us - h.requested_us) / 1000000 / 86400 AS days
            FROM help_request h JOIN cases k ON k.id = h.case_id JOIN support_team t ON t.id = k.team_id
            JOIN scope_school s ON s.school_id = t.school_id
            WHERE h.requested_on BETWEEN $first AND $last),
        sorted AS (
            SELECT scope, y, count(*) FILTER (WHERE kind = 'bring_in') AS bring_in, count(*) AS total,
                   list_sort(list(days) FILTER (WHERE days IS NOT NULL)) AS d
            FROM r GROUP BY ALL)
        SELECT scope, y, bring_in, total, coalesce(len(d), 0),
               CASE WHEN len(d) > 0 THEN (d[(len(d) + 1) // 2] + d[len(d) // 2 + 1]) / 2 END
        FROM sorted""",
    "providers": """
        SELECT s.scope, CAST(substr(school_year, 1, 4) AS INTEGER) AS y, sum(score), count(*)
        FROM provider_rating r JOIN scope_school s USING (school_id)
        WHERE school_year IN (SELECT label FROM years)
        GROUP BY ALL""",
    "spending": """
        SELECT sp.scope, y.y, a.amount
        FROM scope_pilot sp JOIN pilot p ON p.id = sp.pilot_id CROSS JOIN years y
        JOIN pilot_actual a ON a.pilot_id = p.id AND a.number = y.y - p.start_year + 1""",
}
QUERIES = {
    name: sql.replace("{year_date}", _YEAR.format(d="day"))
    .replace("{year_moved}", _YEAR.format(d="moved_on"))
    .replace("{year_answered}", _YEAR.format(d="answered_on"))
    .replace("{year_evaluated}", _YEAR.format(d="g.evaluated_on"))
    .replace("{year_changed}", _YEAR.format(d="st.changed_on"))
    .replace("{year_requested}", _YEAR.format(d="h.requested_on"))
    for name, sql in _SQL.items()
}


class Duck:
    """The same rollups and figures as ours, in an in-memory DuckDB: from the raw rows, and from our rollups."""

    def __init__(self, scopes: dict[str, Any], years: list[Any]) -> None:
        import duckdb

        self.scopes, self.years = scopes, years
        self.db = duckdb.connect()
        self.folder = Path(tempfile.mkdtemp(prefix="rondom-bench-duck-"))
        first, last = min(y.first_day for y in years), max(y.last_day for y in years)

        def dated(queries: dict[str, str]) -> dict[str, str]:
            return {
                n: q.replace("$first", f"DATE '{first}'").replace("$last", f"DATE '{last}'") for n, q in queries.items()
            }

        self.queries = dated(QUERIES)
        # From the rollups: the rollup queries, and the raw ones for what compute_grid reads raw as well.
        shared = ("pupils", "thuiszitters", "providers", "spending")
        self.rollup_queries = {**dated(rollups.ROLLUP_SQL), **{n: self.queries[n] for n in shared}}

    def _table(self, name: str, columns: dict[str, str], rows: Iterable[Iterable[Any]]) -> int:
        path = self.folder / f"{name}.csv"
        count = 0
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
                count += 1
        if not count:  # no rows: nothing for read_csv to sniff
            self.db.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
        else:
            spec = ", ".join(f"'{c}': '{t}'" for c, t in columns.items())
            self.db.execute(
                f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header = false, columns = {{{spec}}}, "
                "delim = ',', nullstr = '', quote = '\"')"
            )
        path.unlink()
        return count

    def load(self) -> None:
        """Copy the rows from the Django database (not timed). Moments become local dates, or epoch microseconds."""
        from django.db import connection
        from django.utils import timezone

        from rondom.accounts.models import Organisation
        from rondom.attendance.models import AbsenceRecord
        from rondom.cases.models import Case, CaseStatus, GoalEvaluation, HelpRequest, Plan, SupportTeam
        from rondom.feedback.models import FeedbackResponse, ProviderRating
        from rondom.funding.models import Pilot
        from rondom.registry.models import Child, SchoolMove
        from rondom.thuiszitters.models import Thuiszitter

        def local(moment: Any) -> Any:
            return None if moment is None else timezone.localtime(moment).date()

        epoch = datetime(1970, 1, 1, tzinfo=UTC)

        def micros(moment: Any) -> Any:
            return None if moment is None else (moment - epoch) // timedelta(microseconds=1)

        def utc(moment: Any) -> Any:
            return None if moment is None else moment.astimezone(UTC).isoformat()

        def raw(sql: str) -> Iterable[tuple[Any, ...]]:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                while batch := cursor.fetchmany(50_000):
                    yield from batch

        started = time.perf_counter()
        counts = {}
        counts["absence"] = self._table(
            "absence",
            {"school_id": "BIGINT", "day": "DATE", "kind": "VARCHAR", "minutes": "BIGINT"},
            raw(f"SELECT school_id, date, kind, minutes FROM {AbsenceRecord._meta.db_table}"),
        )
        counts["child"] = self._table(
            "child",
            {"id": "BIGINT", "school_id": "BIGINT", "anonymised": "BOOLEAN"},
            ((pk, s, a is not None) for pk, s, a in Child.objects.values_list("pk", "school_id", "anonymised_at")),
        )
        counts["school"] = self._table(
            "school",
            {"id": "BIGINT", "school_type": "VARCHAR"},
            Organisation.objects.filter(kind="school").values_list("pk", "school_type"),
        )
        counts["thuiszitter"] = self._table(
            "thuiszitter",
            {"child_id": "BIGINT", "school_id": "BIGINT", "started_on": "DATE", "ended_on": "DATE"},
            Thuiszitter.objects.values_list("child_id", "school_id", "started_on", "ended_on"),
        )
        counts["school_move"] = self._table(
            "school_move",
            {"child_id": "BIGINT", "from_school_id": "BIGINT", "kind": "VARCHAR", "moved_on": "DATE"},
            SchoolMove.objects.values_list("child_id", "from_school_id", "kind", "moved_on"),
        )
        counts["feedback"] = self._table(
            "feedback",
            {"school_id": "BIGINT", "answered_on": "DATE", "helps": "BIGINT", "wellbeing": "BIGINT"},
            FeedbackResponse.objects.values_list("school_id", "answered_on", "helps", "wellbeing"),
        )
        counts["plan"] = self._table(
            "plan", {"id": "BIGINT", "child_id": "BIGINT"}, Plan.objects.values_list("pk", "child_id")
        )
        counts["goal_evaluation"] = self._table(
            "goal_evaluation",
            {"plan_id": "BIGINT", "evaluated_on": "DATE", "score": "BIGINT"},
            GoalEvaluation.objects.values_list("plan_id", "evaluated_on", "score"),
        )
        counts["support_team"] = self._table(
            "support_team", {"id": "BIGINT", "school_id": "BIGINT"}, SupportTeam.objects.values_list("pk", "school_id")
        )
        counts["cases"] = self._table(
            "cases",
            {"id": "BIGINT", "team_id": "BIGINT", "status_id": "BIGINT", "solved_within_school": "BOOLEAN"},
            Case.objects.values_list("pk", "team_id", "status_id", "solved_within_school"),
        )
        counts["case_status"] = self._table(
            "case_status",
            {"id": "BIGINT", "state": "VARCHAR", "changed_on": "DATE", "changed_at": "TIMESTAMPTZ"},
            (
                (pk, state, local(at), utc(at))
                for pk, state, at in CaseStatus.objects.values_list("pk", "state", "changed_at")
            ),
        )
        counts["help_request"] = self._table(
            "help_request",
            {
                "case_id": "BIGINT",
                "kind": "VARCHAR",
                "requested_on": "DATE",
                "requested_us": "BIGINT",
                "first_contact_us": "BIGINT",
                "requested_at": "TIMESTAMPTZ",
                "first_contact_at": "TIMESTAMPTZ",
            },
            (
                (case, kind, local(asked), micros(asked), micros(contact), utc(asked), utc(contact))
                for case, kind, asked, contact in HelpRequest.objects.values_list(
                    "case_id", "kind", "requested_at", "first_contact_at"
                )
            ),
        )
        counts["provider_rating"] = self._table(
            "provider_rating",
            {"school_id": "BIGINT", "school_year": "VARCHAR", "score": "BIGINT"},
            ProviderRating.objects.values_list("school_id", "school_year", "score"),
        )
        pilots = list(Pilot.objects.order_by("pk"))
        self._table("pilot", {"id": "BIGINT", "start_year": "INTEGER"}, ((p.pk, p.start_year) for p in pilots))
        self._table(
            "pilot_actual",
            {"pilot_id": "BIGINT", "number": "INTEGER", "amount": "VARCHAR"},
            ((p.pk, int(k), v) for p in pilots for k, v in (p.actual or {}).items() if v not in (None, "")),
        )
        self._table(
            "scope_school",
            {"scope": "VARCHAR", "school_id": "BIGINT"},
            ((name, school) for name, scope in self.scopes.items() for school in sorted(scope.schools)),
        )
        self._table(
            "scope_pilot",
            {"scope": "VARCHAR", "pilot_id": "BIGINT"},
            ((name, scope.pilot.pk) for name, scope in self.scopes.items() if scope.pilot is not None),
        )
        self._table(
            "years",
            {"y": "INTEGER", "label": "VARCHAR", "first_day": "DATE", "last_day": "DATE"},
            ((y.start_year, str(y), y.first_day, y.last_day) for y in self.years),
        )
        self.folder.rmdir()
        print(f"DuckDB loaded in {time.perf_counter() - started:.1f} s (not timed): {counts}", flush=True)

    def load_rollups(self) -> None:
        """Copy our two rollup tables as they are (not timed): what compute_grid reads."""
        from rondom.attendance.models import AbsenceMonth
        from rondom.monitoring.models import MonthlyFact

        started = time.perf_counter()
        self.folder.mkdir(exist_ok=True)
        counts = {
            "absence_month": self._table(
                "absence_month",
                {"school_id": "BIGINT", "month": "DATE", "kind": "VARCHAR", "minutes": "BIGINT", "records": "BIGINT"},
                AbsenceMonth.objects.values_list("school_id", "month", "kind", "minutes", "records"),
            ),
            "monthly_fact": self._table(
                "monthly_fact",
                {
                    "school_id": "BIGINT",
                    "month": "DATE",
                    "school_year": "INTEGER",
                    "fact": "VARCHAR",
                    "total": "BIGINT",
                    "count": "BIGINT",
                },
                MonthlyFact.objects.values_list("school_id", "month", "school_year", "fact", "total", "count"),
            ),
        }
        self.folder.rmdir()
        print(f"DuckDB: our rollups copied in {time.perf_counter() - started:.1f} s (not timed): {counts}", flush=True)

    def compute_raw(self) -> dict[tuple[str, int], dict[str, tuple[Decimal | None, int]]]:
        """Every indicator's value and n per (scope, school year), from the raw rows."""
        rows = {name: self.db.execute(sql).fetchall() for name, sql in self.queries.items()}
        by: dict[str, dict[tuple[str, int], tuple[Any, ...]]] = {
            name: {(r[0], r[1]): r[2:] for r in found} for name, found in rows.items() if name != "pupils"
        }
        return self.figures(by, rows["pupils"])

    def compute_from_rollups(self) -> dict[tuple[str, int], dict[str, tuple[Decimal | None, int]]]:
        """Every indicator's value and n per (scope, school year), from our rollups (and the few raw tables)."""
        rows = {name: self.db.execute(sql).fetchall() for name, sql in self.rollup_queries.items()}
        by = rollups.rollup_shapes(rows)
        for name in ("thuiszitters", "providers", "spending"):
            by[name] = {(r[0], r[1]): r[2:] for r in rows[name]}
        return self.figures(by, rows["pupils"])

    def figures(
        self, by: dict[str, dict[tuple[str, int], tuple[Any, ...]]], pupil_rows: list[tuple[Any, ...]]
    ) -> dict[tuple[str, int], dict[str, tuple[Decimal | None, int]]]:
        """The exact sums and counts per (scope, school year) as the engine's rounded values."""
        pupils = {r[0]: r[1:] for r in pupil_rows}  # scope -> (primary, secondary, all)
        types = dict(self.db.execute("SELECT id, school_type FROM school").fetchall())
        result: dict[tuple[str, int], dict[str, tuple[Decimal | None, int]]] = {}
        for name, scope in self.scopes.items():
            primary = any(types.get(s) in ("po", "sbo", "so") for s in scope.schools)
            secondary = any(types.get(s) in ("vo", "pro", "vso", "mbo") for s in scope.schools)
            n_primary, n_secondary, n_all = pupils.get(name, (0, 0, 0))
            has_schools = bool(scope.schools)
            for year in self.years:
                key = (name, year.start_year)
                absence = by["absence"].get(key, (None, None))
                moves = by["moves"].get(key, (None, None))
                feedback = by["feedback"].get(key, (0, 0, 0, 0))
                requests = by["requests"].get(key, (0, 0, 0, None))
                figures: dict[str, tuple[Decimal | None, int]] = {
                    "thuiszitters": _count(by["thuiszitters"].get(key, (0,))[0]) if has_schools else (None, 0),
                    "absence_primary": _per_pupil(absence[0], 60, n_primary, "0.01") if primary else (None, 0),
                    "absence_secondary": _per_pupil(absence[1], 60, n_secondary, "0.01") if secondary else (None, 0),
                    "drop_out": _percent_of(moves[0], n_secondary) if secondary else (None, 0),
                    "afstroom": _percent_of(moves[1], n_all) if has_schools else (None, 0),
                    "wellbeing": _mean(feedback[0], feedback[1], "0.1"),
                    "feedback_helps": _mean(feedback[2], feedback[3], "0.01"),
                    "goal_attainment": _mean(*by["goals"].get(key, (0, 0)), places="0.01"),
                    "solved_in_school": _percent(*by["solved"].get(key, (0, 0))),
                    "waiting_days": (None if requests[3] is None else _q(requests[3], "0.1"), requests[2]),
                    "brought_in": _percent(requests[0], requests[1]),
                    "provider_value": _mean(*by["providers"].get(key, (0, 0)), places="0.01"),
                    "cost_per_pupil": _spend(by["spending"].get(key), n_all) if has_schools else (None, 0),
                }
                result[key] = figures
        return result


def _q(value: Any, places: str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places))


def _count(n: int) -> tuple[Decimal, int]:
    return Decimal(n), n


def _per_pupil(minutes: int | None, per: int, pupils: int, places: str) -> tuple[Decimal | None, int]:
    if not pupils:
        return None, 0
    return _q(Decimal(minutes or 0) / per / pupils, places), pupils


def _percent_of(children: int | None, pupils: int) -> tuple[Decimal | None, int]:
    if not pupils:
        return None, 0
    return _q(Decimal(children or 0) * 100 / pupils, "0.1"), pupils


def _percent(part: int, whole: int) -> tuple[Decimal | None, int]:
    return (None, 0) if not whole else (_q(Decimal(part) * 100 / whole, "0.1"), whole)


def _mean(total: int | None, count: int, places: str = "0.1") -> tuple[Decimal | None, int]:
    return (None, 0) if not count else (_q(Decimal(total or 0) / count, places), count)


def _spend(found: tuple[Any, ...] | None, pupils: int) -> tuple[Decimal | None, int]:
    if found is None or not pupils:
        return None, pupils
    return _q(Decimal(str(found[0])) / pupils, "0.01"), pupils


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        sys.exit(one(sys.argv[2]))
    sys.exit(main())
