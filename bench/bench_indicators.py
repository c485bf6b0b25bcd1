"""The monitoring indicators (`rondom.monitoring.indicators.compute_grid`) for every pilot and its comparison area over
five school years, on SQLite and on PostgreSQL, against DuckDB computing the same figures from the same rows in
the same run.

Method, per database (each in a child process of its own, on a fresh SQLite file or a throwaway PostgreSQL
database that is dropped afterwards):

1. Data: the Zwolle demo at full scale (`data.load`, `population.generate`, `casework.generate`,
   `absence.generate`, `feedback.generate`, `funding.generate`, as `load_demo` does) plus five school years of history
   (`rondom.demo.history.generate`: about 0.75 million absence records, ~8,000 cases with their status history,
   help requests, goal evaluations, questionnaires, thuiszitters, school moves, provider ratings and pilot
   spending). Not timed.
2. `BENCH monitoring_rollup_refresh_s_<db>`: both rollups the engine reads, recomputed from the whole history —
   `attendance.services.refresh_absence_months()` (absence per school and month) and
   `monitoring.rollup.refresh_monthly_facts()` (goal scores, answers, closed cases, requests, moves per school and
   month). The worker does this after imports and hourly, not when the dashboard asks; this line shows its cost.
3. `BENCH indicators_ms_<db>`: `compute_grid` for six scopes — each of the three pilots (its schools, with the
   pilot for its spending) and its comparison area (the rest of the city's schools) — times the five school
   years, all indicators: the median of REPEAT runs after one warm-up run.
4. DuckDB: the rows that the indicators read are copied from the Django database into an in-memory DuckDB (not
   timed): absence records (raw: all of them, every kind — not the rollup), children (id, current school,
   anonymised or not), schools and their types, thuiszitter periods, school moves, feedback responses, plans and
   goal evaluations, support teams, cases and every case status, help requests, provider ratings, the pilots'
   spending, and the scopes and years. Moments (`changed_at`, `requested_at`) are converted to their local
   (Europe/Amsterdam) date while loading; the waiting time keeps the exact moments (epoch microseconds). Then the
   same figures are computed with one SQL query per kind of fact, grouped by scope and school year in DuckDB;
   Python only turns the exact sums and counts into the rounded Decimals the engine returns (the same rounding:
   `Decimal(str(x)).quantize(places)`, half to even; a median is the mean of the two middle values, as
   `statistics.median`). That is timed the same way (median of REPEAT after a warm-up) and
   `BENCH indicators_vs_duckdb_ratio_<db>` = ours / DuckDB's. DuckDB runs with its default threads (both cores).
5. Correctness: every value and every `n` of every scope, year and indicator must equal DuckDB's; any difference
   is printed and the bench exits non-zero. Because DuckDB works from the raw rows and the engine from its
   rollups, this also proves the rollups right.

What the ratio compares: the dashboard's real path (grouped queries over the rollups, plus the few raw tables)
against an analytical engine doing the whole aggregation from the raw rows. Without the rollups, SQLite and
PostgreSQL took 3.3-5.0x DuckDB's time on the same data (mostly the joins and grouping of 66,000 goal scores and
42,000 case statuses); the cost of the rollups is the refresh in point 2.

Targets: ratio <= 2 and <= 500 ms on each database. Per-fact timings of both sides are printed as well (not
targets), to show where the time goes. Environment: BENCH_INDICATORS_DBS=sqlite,postgres (which databases),
BENCH_REPEAT (default 7), BENCH_POSTGRES_URL (server, default postgres://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from common import emit

ROOT = Path(__file__).resolve().parent.parent
REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TARGET_RATIO, TARGET_MS, TARGET_REFRESH_S = 2.0, 500.0, 60.0


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
                emit("indicators_ms_postgres", float("nan"), "ms", "<=", TARGET_MS)
                emit("indicators_vs_duckdb_ratio_postgres", float("nan"), "x", "<=", TARGET_RATIO, places=2)
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


def _median_ms(run: Callable[[], Any], repeat: int = REPEAT) -> tuple[float, Any]:
    result = run()  # warm-up: connections, imports, caches
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def one(db: str) -> int:
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    import random

    from django.core.management import call_command

    from rondom.accounts.models import Organisation
    from rondom.attendance.models import AbsenceRecord
    from rondom.attendance.services import refresh_absence_months
    from rondom.demo import absence, casework, data, feedback, funding, history, population
    from rondom.funding.models import Pilot
    from rondom.monitoring import indicators as engine
    from rondom.monitoring.rollup import refresh_monthly_facts
    from rondom.registry.models import Municipality

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    data.load()
    population.generate(progress=False)
    casework.generate(random.Random(2026))
    absence.generate(random.Random(2026))
    feedback.generate(random.Random(2026))
    funding.generate(random.Random(2026))
    demo_s = time.perf_counter() - started
    report = history.generate(random.Random(2026), progress=False)
    print(f"data: demo {demo_s:.0f} s, five school years of history {report.seconds:.0f} s: {report.counts}")
    print(f"absence records in all: {AbsenceRecord.objects.count()}", flush=True)

    started = time.perf_counter()
    months = refresh_absence_months()
    facts = refresh_monthly_facts()
    refresh_s = time.perf_counter() - started
    emit(f"monitoring_rollup_refresh_s_{db}", refresh_s, "s", "<=", TARGET_REFRESH_S)
    print(f"(informative: {months} absence-month rows, {facts} monthly-fact rows)")

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

    ours_ms, ours = _median_ms(lambda: engine.compute_grid(scopes, years))

    duck = Duck(scopes, years)
    duck.load()
    duck_ms, theirs = _median_ms(duck.compute)

    mismatches = compare(ours, theirs, scopes, years)
    _breakdown(engine, scopes, years, duck)
    ratio = ours_ms / duck_ms
    print(f"compute_grid {ours_ms:.1f} ms; DuckDB {duck_ms:.1f} ms (median of {REPEAT})")
    emit(f"indicators_ms_{db}", ours_ms, "ms", "<=", TARGET_MS)
    emit(f"indicators_vs_duckdb_ratio_{db}", ratio, "x", "<=", TARGET_RATIO, places=2)
    if mismatches:
        print(f"ERROR: {len(mismatches)} figures differ between compute_grid and DuckDB on {db}:", file=sys.stderr)
        for line in mismatches[:40]:
            print("  " + line, file=sys.stderr)
        return 1
    figures = len(scopes) * len(years) * len(engine.INDICATORS)
    print(f"correct: all {figures} figures (value and n) equal DuckDB's")
    return 0


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
    """Where the time goes: each kind of fact on its own (median of REPEAT), ours and DuckDB's."""
    every = frozenset().union(*(s.schools for s in scopes.values()))
    seen = []
    for indicator in engine.INDICATORS:
        if indicator.facts in seen:
            continue
        seen.append(indicator.facts)
        ms, _r = _median_ms(lambda f=indicator.facts: f(engine.Grid(tuple(years), every)))
        print(f"  facts of {indicator.key:<18} compute_grid {ms:7.1f} ms")
    for name, sql in duck.queries.items():
        ms, _r = _median_ms(lambda q=sql: duck.db.execute(q).fetchall())
        print(f"  query {name:<26} DuckDB {ms:7.1f} ms")


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
    """The same figures from the raw rows, in an in-memory DuckDB."""

    def __init__(self, scopes: dict[str, Any], years: list[Any]) -> None:
        import duckdb

        self.scopes, self.years = scopes, years
        self.db = duckdb.connect()
        self.folder = Path(tempfile.mkdtemp(prefix="rondom-bench-duck-"))
        first, last = min(y.first_day for y in years), max(y.last_day for y in years)
        self.queries = {
            n: q.replace("$first", f"DATE '{first}'").replace("$last", f"DATE '{last}'") for n, q in QUERIES.items()
        }

    def _table(self, name: str, columns: dict[str, str], rows: Iterable[Iterable[Any]]) -> int:
        path = self.folder / f"{name}.csv"
        count = 0
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
                count += 1
        spec = ", ".join(f"'{c}': '{t}'" for c, t in columns.items())
        self.db.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header = false, columns = {{{spec}}}, "
            "nullstr = '', quote = '\"')"
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
            {"id": "BIGINT", "state": "VARCHAR", "changed_on": "DATE"},
            ((pk, state, local(at)) for pk, state, at in CaseStatus.objects.values_list("pk", "state", "changed_at")),
        )
        counts["help_request"] = self._table(
            "help_request",
            {
                "case_id": "BIGINT",
                "kind": "VARCHAR",
                "requested_on": "DATE",
                "requested_us": "BIGINT",
                "first_contact_us": "BIGINT",
            },
            (
                (case, kind, local(asked), micros(asked), micros(contact))
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

    def compute(self) -> dict[tuple[str, int], dict[str, tuple[Decimal | None, int]]]:
        """Every indicator's value and n per (scope, school year), from the queries above."""
        rows = {name: self.db.execute(sql).fetchall() for name, sql in self.queries.items()}
        by: dict[str, dict[tuple[str, int], tuple[Any, ...]]] = {
            name: {(r[0], r[1]): r[2:] for r in found} for name, found in rows.items() if name != "pupils"
        }
        pupils = {r[0]: r[1:] for r in rows["pupils"]}  # scope -> (primary, secondary, all)
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
