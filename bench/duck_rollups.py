"""DuckDB's side of the like-with-like comparisons in `bench_indicators.py` (issue 17, part 4).

1. The rollups rebuilt in DuckDB: the same rows that `attendance.services.refresh_absence_months()` writes into
   `AbsenceMonth` and `monitoring.rollup.refresh_monthly_facts()` into `MonthlyFact`, computed from the raw rows
   loaded into DuckDB (`bench_indicators.Duck.load`) and written into tables of the same shape and unique key, in one
   transaction per rollup (DELETE, then INSERT ... SELECT), as ours does. The rules, read from the code:

   - `AbsenceMonth`: every absence record, per school, calendar month of its date and kind: `minutes` = the sum,
     `records` = the number of records.
   - `MonthlyFact`, per school, month and fact; `school_year` = the school year of the month (August starts one):
     - `goals`: goal evaluations at the school of the plan's child (children without a school are left out),
       month of `evaluated_on`; total = the sum of the scores, count = their number;
     - `helps`, `wellbeing`: questionnaire answers with that answer and a school, month of `answered_on`;
       total = the sum of the answers, count = their number;
     - `solved`: cases whose current status is closed, at their support team's school, in the LOCAL
       (Europe/Amsterdam) month of that status' `changed_at`; total = those solved within school, count = all;
     - `brought_in`: help requests, at their case's team's school, in the local month of `requested_at`;
       total = those of kind `bring_in`, count = all;
     - `drop_out`, `down`: school moves of that kind with a school left, at that school, month of `moved_on`;
       total = the number of different children, count = the number of moves.

   Moments arrive in DuckDB as TIMESTAMPTZ (UTC) and are turned into local months in the timed query
   (`timezone('Europe/Amsterdam', ...)`, DuckDB's ICU), as our databases do in theirs.

2. The indicators from the rollup tables: `compute_grid`'s own inputs — copies of our `AbsenceMonth` and
   `MonthlyFact` plus the raw tables it still reads (children for the pupil counts, schools, thuiszitters, help
   requests for the waiting time, provider ratings, pilots) — in the shapes `bench_indicators.Duck.figures` turns
   into indicator values. Only the SQL differs from the raw comparison; the arithmetic in Python is the same.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

LOCAL = "timezone('Europe/Amsterdam', {m})"  # a TIMESTAMPTZ as the naive local (Dutch) time
SECONDARY = "('vo', 'pro', 'vso', 'mbo')"
_YEAR = "CASE WHEN month({d}) >= 8 THEN year({d}) ELSE year({d}) - 1 END"

# --- 1. The rollups ----------------------------------------------------------------------------------------------

TARGETS = """
CREATE OR REPLACE TABLE duck_absence_month (
    school_id BIGINT NOT NULL, month DATE NOT NULL, kind VARCHAR NOT NULL, minutes BIGINT NOT NULL,
    records BIGINT NOT NULL, PRIMARY KEY (school_id, month, kind));
CREATE OR REPLACE TABLE duck_monthly_fact (
    school_id BIGINT NOT NULL, month DATE NOT NULL, school_year INTEGER NOT NULL, fact VARCHAR NOT NULL,
    total BIGINT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (fact, school_id, month));
"""

ABSENCE_MONTHS = """
    SELECT school_id, CAST(date_trunc('month', day) AS DATE) AS month, kind, sum(minutes) AS minutes,
           count(*) AS records
    FROM absence
    GROUP BY ALL"""

#: fact -> a grouped query yielding (school_id, m = the month as a DATE or local TIMESTAMP, total, n)
FACTS: dict[str, str] = {
    "goals": """
        SELECT c.school_id, date_trunc('month', g.evaluated_on) AS m, sum(g.score) AS total, count(*) AS n
        FROM goal_evaluation g JOIN plan p ON p.id = g.plan_id JOIN child c ON c.id = p.child_id
        WHERE c.school_id IS NOT NULL
        GROUP BY ALL""",
    "helps": """
        SELECT school_id, date_trunc('month', answered_on) AS m, sum(helps) AS total, count(*) AS n
        FROM feedback WHERE helps IS NOT NULL AND school_id IS NOT NULL
        GROUP BY ALL""",
    "wellbeing": """
        SELECT school_id, date_trunc('month', answered_on) AS m, sum(wellbeing) AS total, count(*) AS n
        FROM feedback WHERE wellbeing IS NOT NULL AND school_id IS NOT NULL
        GROUP BY ALL""",
    "solved": f"""
        SELECT t.school_id, date_trunc('month', {LOCAL.format(m="st.changed_at")}) AS m,
               count(*) FILTER (WHERE k.solved_within_school) AS total, count(*) AS n
        FROM cases k JOIN case_status st ON st.id = k.status_id JOIN support_team t ON t.id = k.team_id
        WHERE st.state = 'closed'
        GROUP BY ALL""",
    "brought_in": f"""
        SELECT t.school_id, date_trunc('month', {LOCAL.format(m="h.requested_at")}) AS m,
               count(*) FILTER (WHERE h.kind = 'bring_in') AS total, count(*) AS n
        FROM help_request h JOIN cases k ON k.id = h.case_id JOIN support_team t ON t.id = k.team_id
        GROUP BY ALL""",
    "drop_out": """
        SELECT from_school_id AS school_id, date_trunc('month', moved_on) AS m,
               count(DISTINCT child_id) AS total, count(*) AS n
        FROM school_move WHERE kind = 'drop_out' AND from_school_id IS NOT NULL
        GROUP BY ALL""",
    "down": """
        SELECT from_school_id AS school_id, date_trunc('month', moved_on) AS m,
               count(DISTINCT child_id) AS total, count(*) AS n
        FROM school_move WHERE kind = 'down' AND from_school_id IS NOT NULL
        GROUP BY ALL""",
}


def _fact_rows(fact: str) -> str:
    """One fact's rows in the table's columns."""
    month = "CAST(m AS DATE)"
    return (
        f"SELECT school_id, {month} AS month, {_YEAR.format(d=month)} AS school_year, '{fact}' AS fact, total, n "
        f"FROM ({FACTS[fact]})"
    )


MONTHLY_FACTS = "\nUNION ALL\n".join(_fact_rows(fact) for fact in FACTS)


def create_targets(db: Any) -> None:
    """The two rollup tables, empty, with their unique keys (not timed)."""
    db.execute(TARGETS)


def rebuild_absence_months(db: Any) -> None:
    """As `refresh_absence_months()`: the whole rollup deleted and refilled in one transaction."""
    db.execute("BEGIN")
    db.execute("DELETE FROM duck_absence_month")
    db.execute(f"INSERT INTO duck_absence_month {ABSENCE_MONTHS}")
    db.execute("COMMIT")


def rebuild_monthly_facts(db: Any) -> None:
    """As `refresh_monthly_facts()`: every fact deleted and refilled in one transaction."""
    db.execute("BEGIN")
    db.execute("DELETE FROM duck_monthly_fact")
    db.execute(f"INSERT INTO duck_monthly_fact {MONTHLY_FACTS}")
    db.execute("COMMIT")


def fact_timings(db: Any, repeat: int) -> dict[str, float]:
    """Where DuckDB's time goes: each fact's rows written into a scratch table (median ms of `repeat`)."""
    found = {}
    parts = {"absence_months": ABSENCE_MONTHS, **{fact: _fact_rows(fact) for fact in FACTS}}
    for name, sql in parts.items():
        found[name] = median_ms(lambda s=sql: db.execute(f"CREATE OR REPLACE TEMP TABLE scratch AS {s}"), repeat)[0]
    db.execute("DROP TABLE IF EXISTS scratch")
    return found


def median_ms(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median wall time of `repeat` runs after one warm-up run, in ms, and the last result."""
    result = run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def check(db: Any, ours_absence: list[tuple[Any, ...]], ours_facts: list[tuple[Any, ...]]) -> list[str]:
    """Row for row: our `AbsenceMonth` as (school, month, kind, minutes, records) and our `MonthlyFact` as (fact,
    school, month, school year, total, count) against DuckDB's tables. Returns the differences, one line each."""
    wrong: list[str] = []
    pairs = [
        (
            "AbsenceMonth",
            ours_absence,
            "SELECT school_id, month, kind, minutes, records FROM duck_absence_month",
            3,
        ),
        (
            "MonthlyFact",
            ours_facts,
            "SELECT fact, school_id, month, school_year, total, count FROM duck_monthly_fact",
            3,
        ),
    ]
    for name, ours, sql, width in pairs:
        mine = {tuple(r[:width]): tuple(r[width:]) for r in ours}
        theirs = {tuple(r[:width]): tuple(r[width:]) for r in db.execute(sql).fetchall()}
        if len(mine) != len(ours):
            wrong.append(f"{name}: {len(ours) - len(mine)} duplicate keys in ours")
        for key in sorted(mine.keys() | theirs.keys(), key=str):
            if mine.get(key) != theirs.get(key):
                wrong.append(f"{name} {key}: ours {mine.get(key)}, DuckDB {theirs.get(key)}")
    return wrong


# --- 2. The indicators from the rollup tables --------------------------------------------------------------------

#: The same shapes as the raw queries of bench_indicators (per scope and school year), from the rollups.
ROLLUP_SQL: dict[str, str] = {
    "absence (AbsenceMonth)": f"""
        WITH per_school AS (
            SELECT school_id, {_YEAR.format(d="month")} AS y, sum(minutes) AS minutes
            FROM absence_month
            WHERE kind = 'unauthorised' AND month BETWEEN $first AND $last
            GROUP BY ALL)
        SELECT s.scope, a.y,
               sum(a.minutes) FILTER (WHERE t.school_type IN ('po', 'sbo', 'so')),
               sum(a.minutes) FILTER (WHERE t.school_type IN {SECONDARY})
        FROM per_school a JOIN scope_school s USING (school_id) JOIN school t ON t.id = a.school_id
        GROUP BY ALL""",
    "monthly (MonthlyFact)": f"""
        SELECT s.scope, f.school_year, f.fact, sum(f.total), sum(f.count)
        FROM monthly_fact f JOIN scope_school s USING (school_id) LEFT JOIN school t ON t.id = f.school_id
        WHERE f.school_year IN (SELECT y FROM years) AND (f.fact <> 'drop_out' OR t.school_type IN {SECONDARY})
        GROUP BY ALL""",
    "waiting (raw requests)": f"""
        WITH r AS (
            SELECT s.scope, CAST({LOCAL.format(m="h.requested_at")} AS DATE) AS day,
                   (epoch_us(h.first_contact_at) - epoch_us(h.requested_at)) / 1000000 / 86400 AS days
            FROM help_request h JOIN cases k ON k.id = h.case_id JOIN support_team t ON t.id = k.team_id
            JOIN scope_school s ON s.school_id = t.school_id
            WHERE h.first_contact_at IS NOT NULL),
        sorted AS (
            SELECT scope, {_YEAR.format(d="day")} AS y, list_sort(list(days)) AS d
            FROM r WHERE day BETWEEN $first AND $last GROUP BY ALL)
        SELECT scope, y, len(d), (d[(len(d) + 1) // 2] + d[len(d) // 2 + 1]) / 2
        FROM sorted""",
}


def rollup_shapes(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, dict[tuple[str, int], tuple[Any, ...]]]:
    """The rollup queries' rows in the raw queries' shapes (per (scope, year)): absence (primary, secondary minutes),
    moves (drop-out children, afstroom children), feedback (wellbeing sum, count, helps sum, count), goals (sum,
    count), solved (part, whole), requests (brought in, all, waited, median days)."""
    by: dict[str, dict[tuple[str, int], tuple[Any, ...]]] = {
        "absence": {(r[0], r[1]): r[2:] for r in rows["absence (AbsenceMonth)"]}
    }
    facts: dict[str, dict[tuple[str, int], tuple[int, int]]] = {}
    for scope, year, fact, total, count in rows["monthly (MonthlyFact)"]:
        facts.setdefault(fact, {})[(scope, year)] = (total, count)
    waited = {(r[0], r[1]): r[2:] for r in rows["waiting (raw requests)"]}

    def two(fact: str, key: tuple[str, int]) -> tuple[int, int]:
        return facts.get(fact, {}).get(key, (0, 0))

    keys = set(waited).union(*(f.keys() for f in facts.values()))
    by["moves"] = {k: (two("drop_out", k)[0], two("down", k)[0]) for k in keys}
    by["feedback"] = {k: (*two("wellbeing", k), *two("helps", k)) for k in keys}
    by["goals"] = {k: two("goals", k) for k in keys}
    by["solved"] = {k: two("solved", k) for k in keys}
    by["requests"] = {k: (*two("brought_in", k), *waited.get(k, (0, None))) for k in keys}
    return by
