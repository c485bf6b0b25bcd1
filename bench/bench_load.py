"""Fifty people at work on a Monday morning: a Locust load test against gunicorn on PostgreSQL (issue 17, part 7).

Method:

1. A throwaway PostgreSQL database on BENCH_POSTGRES_URL's server (default postgres://postgres@127.0.0.1:5432/
   postgres), dropped afterwards. In a child process (`--prepare`): migrate, `load_demo` (the whole Zwolle-scale
   demo: population, casework, OPPs, the samenwerkingsverband, absence and its signals, feedback, funding and the
   monitoring rollup), then the absence rollup refreshed. Not timed.
2. People: the demo's logins plus a few bench-only colleagues in the same throwaway database, so that every kind of
   user is several different accounts — intern begeleiders (De Esch, Thomas a Kempis and four of the largest
   synthetic schools), leerplicht officers (Luuk and three colleagues), policy staff (Gemeente Zwolle, the BLOZ
   and two more at the gemeente) and parents (Olga Hendriks and parents of the synthetic population whose child
   has a plan). Each gets sessions made directly in the session store the way the real logins leave them (no
   login form per virtual user): staff with a verified TOTP device in the session (`django_otp`), families with
   `rondom.portal.services.SESSION_KEY` set as the e-mail code step or DigiD does. One session per virtual user.
3. The pages each person may open, chosen with the access policy itself (`policy.allowed_children`,
   `attendance.services.signals_for`, `portal.services.family_children`), and a marker per page that only that
   page contains (the child's name, the page's Dutch heading) — a login page answered with 200 is an error.
4. gunicorn as `bench_child_page.start_server` starts it (2 workers x 8 threads, the bench settings), warmed up
   with two checked requests per page type.
5. Locust, headless (`bench/locustfile.py`): BENCH_LOAD_USERS (default 50) users, spawned at 10 per second, for
   BENCH_LOAD_SECONDS (default 150, at most 300) with 1-3 s of reading between clicks. Statistics from Locust's
   CSV output: per page type requests, failures, p50, p95 and throughput.

Figures: `load_50_users_error_rate` (failures / requests; target = 0) and `load_50_users_p95_ms` (over all
requests; target <= 300), plus `load_p95_ms_<page type>` for information (no target of their own: <= 300 each).
Every non-200 answer (redirects are not followed), a wrong page or a connection error counts as a failure.
Exits 0 with MISS lines when the figures miss; non-zero only when the harness itself failed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import cores, emit

ROOT = Path(__file__).resolve().parent.parent
USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
SECONDS = min(int(os.environ.get("BENCH_LOAD_SECONDS", "150")), 300)  # bounded: never more than 5 minutes
SPAWN_RATE = float(os.environ.get("BENCH_LOAD_SPAWN_RATE", "10"))
PORT = int(os.environ.get("BENCH_PORT", "0"))  # 0: a free port, chosen when the server starts
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TARGET_P95_MS, TARGET_ERROR_RATE = 300.0, 0.0
#: The page types of the mix, in the order they are printed.
PAGE_TYPES = ["child_page", "plan_page", "signals_list", "signal_page", "portal_home", "portal_child", "dashboard"]


# --- The parent: database, server, Locust ------------------------------------------------------------------------


def main() -> int:
    name = f"rondom_bench_load_{os.getpid()}"
    kept = os.environ.get("BENCH_LOAD_DATABASE_URL", "")  # developing: an existing database, kept and reused
    try:
        if not kept:
            _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    except Exception as error:  # no server: say so; the figures are missing
        print(f"PostgreSQL at {SERVER} is not reachable ({error}); no load figures")
        emit("load_50_users_error_rate", float("nan"), "fraction", "=", TARGET_ERROR_RATE, places=3)
        emit("load_50_users_p95_ms", float("nan"), "ms", "<=", TARGET_P95_MS)
        return 1
    var = tempfile.mkdtemp(prefix="rondom-bench-load-")
    env = {
        **os.environ,
        "RONDOM_VAR_DIR": var,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        "RONDOM_LOG_LEVEL": "WARNING",
        "DATABASE_URL": kept or SERVER.rsplit("/", 1)[0] + "/" + name,
    }
    server, stats, cpu_used = None, None, [0.0, 0.0]
    try:
        started = time.perf_counter()
        targets_file = Path(var) / "targets.json"
        subprocess.run(
            [sys.executable, __file__, "--prepare", str(targets_file), str(USERS)], cwd=ROOT, env=env, check=True
        )
        targets = json.loads(targets_file.read_text())
        print(f"prepared in {time.perf_counter() - started:.0f} s: " + ", ".join(_census(targets)), flush=True)
        port = PORT or _free_port()
        server = _start_server(env, port, Path(var) / "gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        _wait_for(base, server)
        _warm_up(base, targets)
        database = env["DATABASE_URL"].rsplit("/", 1)[-1]
        cpu_before = _cpu_seconds(server, database)
        stats = _locust(base, targets_file, Path(var))
        cpu_used = [after - before for after, before in zip(_cpu_seconds(server, database), cpu_before, strict=True)]
    except Exception as error:  # the harness failed (demo, server, Locust): the figures are missing
        print(f"the load test could not run: {error!r}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            _print_server_errors(Path(var) / "gunicorn.log")
        shutil.rmtree(var, ignore_errors=True)
        if not kept:
            _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if stats is None:
        emit("load_50_users_error_rate", float("nan"), "fraction", "=", TARGET_ERROR_RATE, places=3)
        emit("load_50_users_p95_ms", float("nan"), "ms", "<=", TARGET_P95_MS)
        return 1
    return _report(stats, cpu_used)


def _postgres(*statements: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True, connect_timeout=5) as connection:
        for statement in statements:
            connection.execute(statement)  # type: ignore[arg-type]


def _census(targets: dict) -> list[str]:  # type: ignore[type-arg]
    return [
        f"{kind}: {len({s['user'] for s in people['sessions']})} accounts, {len(people['sessions'])} sessions"
        for kind, people in targets["kinds"].items()
    ]


def _start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """gunicorn as `bench_child_page.start_server` runs it, its error log (worker timeouts, tracebacks) to `log`."""
    from bench_child_page import start_server

    return start_server(env, port, log)


def _print_server_errors(log: Path) -> None:
    """The server's own complaints during the run (tracebacks, worker timeouts), if any: the last 30 lines."""
    if not log.exists():
        return
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    keys = ("[ERROR]", "[CRITICAL]", "Traceback", "Error", "Exception", "WORKER TIMEOUT")
    worrying = [line for line in lines if any(key in line for key in keys)]
    if worrying:
        print("gunicorn said:", *worrying[-30:], sep="\n  ")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    """Until our gunicorn answers /health; an error when it exited (e.g. the port was taken) or never answered."""
    for _ in range(150):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before answering")
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /health within 30 s")


def _warm_up(base: str, targets: dict) -> None:  # type: ignore[type-arg]
    """Two requests per page type (imports, templates, database connections), each checked as the load test
    checks it: a page that fails here is a fault of the harness's choice of pages, or of the app, and is printed."""
    for kind, people in targets["kinds"].items():
        session = people["sessions"][0]
        first = {page["type"]: page for page in reversed(people["pages"][session["user"]])}
        for page in first.values():
            for _ in range(2):
                request = urllib.request.Request(
                    base + page["url"],
                    headers={"Cookie": f"{targets['cookie']}={session['key']}", "Accept-Language": "nl"},
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        ok = response.status == 200 and page["marker"] in response.read().decode()
                        why = "" if ok else f"status {response.status} at {response.url} or marker missing"
                except Exception as error:  # a 4xx/5xx raises here
                    ok, why = False, str(error)
                if not ok:
                    print(f"warm-up: {kind} {page['type']} {page['url']} failed: {why}", flush=True)
    print("warmed up", flush=True)


def _locust(base: str, targets_file: Path, var: Path) -> list[dict[str, str]] | None:
    """Run Locust headless; returns the rows of its `_stats.csv` (one per page type and "Aggregated"), or None when
    it did not run."""
    prefix = var / "load"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(__file__).resolve().parent / "locustfile.py"),
        "--headless",
        "--host",
        base,
        "--users",
        str(USERS),
        "--spawn-rate",
        str(SPAWN_RATE),
        "--run-time",
        f"{SECONDS}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    print(f"locust: {USERS} users, {SPAWN_RATE:g}/s, {SECONDS} s", flush=True)
    env = {**os.environ, "BENCH_LOAD_TARGETS": str(targets_file)}
    try:
        # Locust exits 1 when any request failed: that is a figure, not a harness failure.
        with (var / "locust.log").open("wb") as log:
            subprocess.run(command, cwd=ROOT, env=env, timeout=SECONDS + 120, stdout=log, stderr=log)
    except subprocess.TimeoutExpired:
        print("locust did not stop in time")
        return None
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        print("locust wrote no statistics:", (var / "locust.log").read_text(errors="replace")[-3000:])
        return None
    # Locust's own warnings, e.g. "CPU usage above 90%": then the load generator, not the server, set the pace.
    for line in (var / "locust.log").read_text(errors="replace").splitlines():
        if "WARNING" in line or "ERROR" in line:
            print(f"locust: {line.strip()[:300]}")
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        rows = list(csv.DictReader(failures.open()))
        for row in rows[:20]:
            print(f"failure: {row['Name']} x{row['Occurrences']}: {row['Error'][:200]}")
    return list(csv.DictReader(stats_file.open()))


def _cpu_seconds(server: subprocess.Popen[bytes], database: str) -> tuple[float, float]:
    """CPU seconds (user + system) used so far by (gunicorn's master and workers, the PostgreSQL backends serving
    `database`). CPU time, unlike latency, hardly depends on what else the machine is doing. Backends that ended
    during the run are not counted (the app keeps its connections: RONDOM_DB_CONN_MAX_AGE)."""
    import psutil

    def used(process: psutil.Process) -> float:
        try:
            times = process.cpu_times()
            return float(times.user + times.system)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return 0.0

    master = psutil.Process(server.pid)
    app = used(master) + sum(used(worker) for worker in master.children(recursive=True))
    db = 0.0
    for process in psutil.process_iter(["cmdline"]):
        line = " ".join(process.info["cmdline"] or [])
        if line.startswith("postgres:") and f" {database} " in line:
            db += used(process)
    return app, db


def _report(stats: list[dict[str, str]], cpu_used: list[float]) -> int:
    by_name = {row["Name"]: row for row in stats}
    print(f"{'page type':<14} {'requests':>8} {'failures':>8} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>6}")
    for name in [*PAGE_TYPES, "Aggregated"]:
        row = by_name.get(name)
        if row is None:
            print(f"{name:<14} (no requests)")
            continue
        print(
            f"{name:<14} {row['Request Count']:>8} {row['Failure Count']:>8} {row['50%']:>7} {row['95%']:>7} "
            f"{float(row['Requests/s']):>6.1f}"
        )
    total = by_name.get("Aggregated")
    if total is None or int(total["Request Count"]) == 0:
        print("no requests were made")
        emit("load_50_users_error_rate", float("nan"), "fraction", "=", TARGET_ERROR_RATE, places=3)
        emit("load_50_users_p95_ms", float("nan"), "ms", "<=", TARGET_P95_MS)
        return 1
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    print(f"throughput: {float(total['Requests/s']):.1f} req/s over {SECONDS} s with {USERS} users")
    app_ms, db_ms = (1000 * seconds / requests for seconds in cpu_used)
    if app_ms + db_ms:
        print(
            f"CPU per request: gunicorn {app_ms:.1f} ms, PostgreSQL {db_ms:.1f} ms (all page types together); "
            f"{cores()} cores could serve at most about {1000 * cores() / (app_ms + db_ms):.0f} req/s"
        )
    emit("load_50_users_error_rate", failures / requests, "fraction", "=", TARGET_ERROR_RATE, places=3)
    emit("load_50_users_p95_ms", float(total["95%"]), "ms", "<=", TARGET_P95_MS, ok=failures == 0, places=0)
    for name in PAGE_TYPES:
        row = by_name.get(name)
        if row is not None and row["95%"] not in ("", "N/A"):
            ok = row["Failure Count"] == "0"
            emit(f"load_p95_ms_{name}", float(row["95%"]), "ms", "<=", TARGET_P95_MS, ok=ok, places=0)
    return 0


# --- The child: the demo, the people, their sessions and pages ---------------------------------------------------

#: Bench-only colleagues (made in the throwaway database only): (username, role, organisation key or "school:<n>"
#: for the n-th largest synthetic school of the type the role works at).
EXTRA_STAFF = [
    *[(f"load-ib-{n}", "intern_begeleider", f"po:{n}") for n in range(3)],
    (f"load-zorgco-{0}", "zorgcoordinator", "vo:0"),
    *[(f"load-leerplicht-{n}", "leerplicht_officer", "Leerplicht en RMC regio Zwolle") for n in range(3)],
    *[(f"load-beleid-{n}", "policy_officer", "Gemeente Zwolle") for n in range(2)],
]
KINDS = {
    "ib": ["ib", "zorgco", "load-ib-0", "load-ib-1", "load-ib-2", "load-zorgco-0"],
    "leerplicht": ["leerplicht", "load-leerplicht-0", "load-leerplicht-1", "load-leerplicht-2"],
    "policy": ["beleid", "bloz", "load-beleid-0", "load-beleid-1"],
}
PARENTS = 24  # parents of the synthetic population with a child that has a plan, besides the demo's Olga
PAGES_PER_TYPE = 40  # pages of one type one user clicks among


def prepare(out: str, sessions_per_kind: int) -> None:
    """Build the demo in the database of DATABASE_URL and write the people, sessions and pages to `out` (JSON)."""
    import random
    from datetime import timedelta
    from importlib import import_module

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils import timezone, translation
    from django.utils.html import escape
    from django.utils.translation import gettext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from rondom.access import policy
    from rondom.accounts.models import Membership, Organisation, User
    from rondom.attendance import services as attendance
    from rondom.cases.models import Plan
    from rondom.core.categories import Action, DataCategory
    from rondom.funding.models import Pilot
    from rondom.monitoring import monitoring
    from rondom.monitoring.indicators import INDICATORS
    from rondom.portal import services as portal
    from rondom.registry.models import Guardianship

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="load-ib-0").exists():  # a kept database (BENCH_LOAD_DATABASE_URL) has it
        call_command("load_demo", "--no-progress", stdout=io.StringIO())  # its logins list: not needed
        attendance.refresh_absence_months()
    today = timezone.localdate()
    rng = random.Random(2026)

    # Bench-only colleagues at the largest synthetic schools and at the demo's leerplicht and gemeente.
    def largest(school_type: str, n: int) -> Organisation:
        schools = (
            Organisation.objects.filter(kind="school", school_type=school_type, memberships__isnull=True)
            .annotate(n=Count("pupils"))
            .order_by("-n", "pk")
        )
        return schools[n]

    for username, role, where in EXTRA_STAFF:
        kind, _, n = where.partition(":")
        org = largest(kind, int(n)) if n else Organisation.objects.get(name=where)
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": "Load", "last_name": username})
        Membership.objects.get_or_create(
            user=user, organisation=org, role=role, defaults={"valid_from": today - timedelta(days=365)}
        )
        TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})

    store = import_module(settings.SESSION_ENGINE).SessionStore

    def session_for(user: User, family: bool) -> str:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if family:
            session[portal.SESSION_KEY] = True  # as the e-mail code step and the DigiD callback set it
        else:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # type: ignore[union-attr]
        session.save()
        return str(session.session_key)

    with translation.override("nl"):
        heading = {
            "signals": escape(gettext("Absence signals")),
            "portal_home": escape(gettext("My overview")),
            "dashboard": escape(gettext("Monitoring of the pilots")),
        }

    def sample(items: list, n: int = PAGES_PER_TYPE) -> list:  # type: ignore[type-arg]
        return rng.sample(items, min(n, len(items)))

    kinds: dict[str, dict] = {}  # type: ignore[type-arg]
    # Intern begeleiders / zorgcoördinatoren: child pages of their school, plans of children who have one.
    pages: dict[str, list[dict[str, str]]] = {}
    for username in KINDS["ib"]:
        user = User.objects.get(username=username)
        readable = list(policy.allowed_children(user, Action.READ, DataCategory.IDENTITY)[:2000])
        planned = list(
            policy.allowed_children(user, Action.READ, DataCategory.SUPPORT).filter(
                pk__in=Plan.objects.filter(version__gt=0).values("child_id")
            )[:2000]
        )
        pages[username] = [
            {"type": "child_page", "url": f"/kinderen/{c.pk}/", "marker": escape(str(c))} for c in sample(readable)
        ] + [{"type": "plan_page", "url": f"/kinderen/{c.pk}/plan/", "marker": escape(str(c))} for c in sample(planned)]
    kinds["ib"] = {"pages": pages}
    # Leerplicht: the signals work list (first pages, per school, per status) and the signals themselves.
    pages = {}
    for username in KINDS["leerplicht"]:
        user = User.objects.get(username=username)
        found = attendance.signals_for(user, today=today)
        lists = [{"type": "signals_list", "url": "/verzuim/signalen/", "marker": heading["signals"]}]
        lists += [
            {"type": "signals_list", "url": f"/verzuim/signalen/?page={p}", "marker": heading["signals"]}
            for p in (2, 3)
        ]
        lists += [
            {"type": "signals_list", "url": f"/verzuim/signalen/?school={s}", "marker": heading["signals"]}
            for s in sample(sorted(found.school_ids), 10)
        ]
        lists.append({"type": "signals_list", "url": "/verzuim/signalen/?status=all", "marker": heading["signals"]})
        signals = list(found.signals.select_related("child")[:200])
        pages[username] = lists + [
            {
                "type": "signal_page",
                "url": f"/kinderen/{s.child_id}/verzuimsignaal/{s.pk}/",
                "marker": escape(str(s.child)),
            }
            for s in sample(signals)
        ]
    kinds["leerplicht"] = {"pages": pages}
    # Policy staff: the dashboard for the city and each pilot, this school year and the last, a few trends.
    pilots = ["city", *[str(p.pk) for p in Pilot.objects.order_by("pk")]]
    years = [str(y) for y in monitoring.school_years(today)[:2]]
    trends = [i.key for i in INDICATORS][:3]
    dashboards = [
        {"type": "dashboard", "url": f"/monitoring/?pilot={p}&year={y}&trend={t}", "marker": heading["dashboard"]}
        for p in pilots
        for y in years
        for t in trends
    ]
    kinds["policy"] = {"pages": {username: dashboards for username in KINDS["policy"]}}
    # Parents: the demo's Olga and parents of the synthetic population whose child has a plan.
    planned_children = Plan.objects.filter(version__gt=0).values("child_id")
    candidates = list(
        Guardianship.objects.filter(
            has_authority=True, child_id__in=planned_children, user__username__startswith="demo-ouder-"
        )
        .order_by("user_id")
        .values_list("user__username", flat=True)
        .distinct()[:500]
    )
    pages = {}
    for username in ["ouder", *sample(candidates, PARENTS * 2)]:
        user = User.objects.get(username=username)
        children = portal.family_children(user)
        if not children or len(pages) > PARENTS:
            continue
        pages[username] = [{"type": "portal_home", "url": "/portaal/", "marker": heading["portal_home"]}] + [
            {"type": "portal_child", "url": f"/portaal/kind/{f.child.pk}/", "marker": escape(f.child.given_name)}
            for f in children
        ]
    kinds["parent"] = {"pages": pages}
    KINDS["parent"] = list(pages)

    # One session per virtual user, the accounts of a kind taken in turn.
    for kind, people in kinds.items():
        users = [u for u in KINDS[kind] if people["pages"].get(u)]
        if not users:
            raise SystemExit(f"no {kind} has any page to open")
        by_name = {u.username: u for u in User.objects.filter(username__in=users)}
        people["sessions"] = [
            {"user": users[i % len(users)], "key": session_for(by_name[users[i % len(users)]], kind == "parent")}
            for i in range(sessions_per_kind)
        ]
    Path(out).write_text(json.dumps({"cookie": settings.SESSION_COOKIE_NAME, "kinds": kinds}))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--prepare":
        prepare(sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    sys.exit(main())
