"""Child page and child search under 20 concurrent users on the Zwolle-scale demo data, on SQLite and PostgreSQL.

Per database: starts gunicorn on a fresh database with the demo data, logs 20 virtual users in as the demo intern
begeleider (with a verified second factor), and has them open child pages and search by name for a fixed time;
then the same users hit a bare Django view in the same server. Reports p95 latency and the throughput ratio.

Databases (BENCH_CHILD_PAGE_DBS, default "sqlite,postgres"): SQLite on a fresh file; PostgreSQL on
BENCH_DATABASE_URL when set, else on a throwaway database created on BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/postgres) and dropped afterwards, as bench/bench_indicators.py does.
Figures: `child_page_p95_ms`, `child_search_p95_ms`, `child_page_vs_bare_ratio`, each with `_postgres` appended
for PostgreSQL. Targets (issue 17): child page p95 <= 150 ms; search p95 <= 100 ms; throughput of the child page
>= 0.5 x the bare view. BENCH_SECONDS (default 20) per phase, BENCH_USERS (20), BENCH_THINK_SECONDS (1.0).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import Cookie, CookieJar
from pathlib import Path

from common import emit

ROOT = Path(__file__).resolve().parent.parent
USERS = int(os.environ.get("BENCH_USERS", "20"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
#: Seconds a user spends reading between two clicks (on average). 0 gives a closed loop: maximum throughput.
THINK = float(os.environ.get("BENCH_THINK_SECONDS", "1.0"))
PORT = int(os.environ.get("BENCH_PORT", "18911"))
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
#: Search terms as people type them: a given name, a family name with its tussenvoegsel, a start of a name.
TERMS = ("an", "de", "van", "sophie", "jan", "bakker", "de vries", "van den berg", "em", "noah")


def prepare(env: dict[str, str]) -> tuple[str, list[int]]:
    """Migrate, load the demo (Zwolle scale when the generator is present), and make a verified session."""
    script = r"""
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from rondom.demo import data
data.load()
import random
import shutil
from rondom.demo import casework, population
population.generate(progress=False)
casework.generate(random.Random(2026))
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rondom.access.policy import children_in_scope
from rondom.accounts.models import User
ib = User.objects.get(username="ib")
device = TOTPDevice.objects.filter(user=ib, confirmed=True).first()
session = SessionStore()
session[SESSION_KEY] = str(ib.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = ib.get_session_auth_hash()
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.set_expiry(3600)
session.save()
ids = list(children_in_scope(ib).values_list("pk", flat=True)[:500])
from rondom.registry.models import Child
print(json.dumps({"session": session.session_key, "children": ids, "total": Child.objects.count()}))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    import json

    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"demo data: {result['total']} children; the IB'er sees {len(result['children'])} of them")
    return result["session"], result["children"]


CSRF = "benchcsrf0123456789abcdefghijklm"  # 32 characters, as Django expects


def opener(session_key: str) -> urllib.request.OpenerDirector:
    jar = CookieJar()
    for name, value in (("sessionid", session_key), ("csrftoken", CSRF)):
        jar.set_cookie(
            Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, True, None, None, {})
        )
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def run_load(session_key: str, make_request, think: float, seconds: float = SECONDS) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def user(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        client = opener(session_key)
        if think:
            time.sleep(rng.uniform(0, think))  # people do not click in step
        while time.perf_counter() < deadline:
            request = make_request(rng)
            start = time.perf_counter()
            try:
                with client.open(request, timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except Exception:  # any failure counts as an error
                ok = False
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1
            if think:
                time.sleep(rng.uniform(0.5, 1.5) * think)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) >= 20 else float("nan")


def bench_env(var: str, database: str | None = None) -> dict[str, str]:
    """The environment of a benchmark's demo database and server: bench settings, its own var dir, and
    `database` (a URL; None: BENCH_DATABASE_URL) as the database when set (PostgreSQL), else SQLite. Prints which
    database it is."""
    if database is None:
        database = os.environ.get("BENCH_DATABASE_URL", "")
    env = {
        **os.environ,
        "RONDOM_VAR_DIR": var,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        "RONDOM_LOG_LEVEL": "WARNING",
    }
    if database:
        env["DATABASE_URL"] = database
    else:
        env.pop("DATABASE_URL", None)
    print(f"database: {'PostgreSQL' if database.startswith('postgres') else 'SQLite'}", flush=True)
    return env


def start_server(env: dict[str, str], port: int, log: Path | None = None) -> subprocess.Popen[bytes]:
    """gunicorn with the app as production runs it (2 workers, 8 threads each) on 127.0.0.1:`port`; its error log
    to `log` when given (else discarded)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "rondom.config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "8",
            "--env",
            "DJANGO_SETTINGS_MODULE=bench.settings_bench",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb") if log is not None else subprocess.DEVNULL,
    )


def main() -> int:
    failed = 0
    for db in os.environ.get("BENCH_CHILD_PAGE_DBS", "sqlite,postgres").split(","):
        suffix = "" if db == "sqlite" else "_postgres"
        if db == "sqlite":
            failed |= run_one("", suffix)
            continue
        given = os.environ.get("BENCH_DATABASE_URL", "")
        if given:
            failed |= run_one(given, suffix)
            continue
        name = f"rondom_bench_child_page_{os.getpid()}"
        try:
            _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        except Exception as error:  # no server: say so, and the figures are missing
            print(f"PostgreSQL at {SERVER} is not reachable ({error}); no PostgreSQL figures")
            for figure, op, target in (("child_page_p95_ms", "<=", 150), ("child_search_p95_ms", "<=", 100)):
                emit(figure + suffix, float("nan"), "ms", op, target)
            emit("child_page_vs_bare_ratio" + suffix, float("nan"), "ratio", ">=", 0.5, places=2)
            failed = 1
            continue
        try:
            failed |= run_one(SERVER.rsplit("/", 1)[0] + "/" + name, suffix)
        finally:
            _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return failed


def _postgres(*statements: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True, connect_timeout=5) as connection:
        for statement in statements:
            connection.execute(statement)  # type: ignore[arg-type]


def run_one(database: str, suffix: str) -> int:
    """The whole benchmark on one database (`database`: a PostgreSQL URL, or "" for a fresh SQLite file); prints
    the figures with `suffix` appended to their names. Returns 0, or 1 when requests failed."""
    var = tempfile.mkdtemp(prefix="rondom-bench-page-")
    env = bench_env(var, database)
    session_key, children = prepare(env)
    server = start_server(env, PORT)
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)

        def child_page(rng: random.Random) -> urllib.request.Request:
            return urllib.request.Request(f"{base}/kinderen/{rng.choice(children)}/")

        def search(rng: random.Random) -> urllib.request.Request:
            body = urllib.parse.urlencode({"q": rng.choice(TERMS), "csrfmiddlewaretoken": CSRF}).encode()
            return urllib.request.Request(f"{base}/kinderen/", data=body, headers={"Referer": base + "/kinderen/"})

        def bare(rng: random.Random) -> urllib.request.Request:
            return urllib.request.Request(f"{base}/bench/bare/")

        # Warm up both workers (imports, templates, connections) before measuring.
        run_load(session_key, child_page, 0, seconds=3)
        run_load(session_key, search, 0, seconds=2)
        # Twenty people at work: each clicks, reads for about THINK seconds, clicks again.
        page_lat, page_err = run_load(session_key, child_page, THINK)
        search_lat, search_err = run_load(session_key, search, THINK)
        # Capacity: the same twenty without pauses, child page against the bare view.
        page_max, _e1 = run_load(session_key, child_page, 0)
        bare_max, _e2 = run_load(session_key, bare, 0)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(var, ignore_errors=True)
    page_rps, bare_rps = len(page_max) / SECONDS, len(bare_max) / SECONDS
    ratio = page_rps / bare_rps if bare_rps else 0.0
    page_p95, search_p95 = p95(page_lat), p95(search_lat)
    print(f"child page at work: {len(page_lat)} ok, {page_err} errors, p50 {_median(page_lat):.1f} ms")
    print(f"search at work:     {len(search_lat)} ok, {search_err} errors, p50 {_median(search_lat):.1f} ms")
    print(f"capacity: child page {page_rps:.1f} req/s, bare view {bare_rps:.1f} req/s")
    ok = page_err == 0 and search_err == 0
    emit("child_page_p95_ms" + suffix, page_p95, "ms", "<=", 150, ok)
    emit("child_search_p95_ms" + suffix, search_p95, "ms", "<=", 100, ok)
    emit("child_page_vs_bare_ratio" + suffix, ratio, "ratio", ">=", 0.5, places=2)
    return 0 if ok else 1


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


if __name__ == "__main__":
    sys.exit(main())
