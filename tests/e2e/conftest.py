"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright, against Rondom served by
gunicorn from a fresh SQLite database with the demo data. The set-up installs Chromium; nothing skips."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import hotp
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.conftest_helpers import shared_tmp, small_demo_var_dir, wait_until_serving

from .a11y_data import OUTPUT_PREFIX

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
#: How long one browser step may wait for the page. CI runs these tests on 2 cores while the other xdist worker
#: runs the PostgreSQL suite, and a login (Argon2 by design) then takes seconds; a wait is no timing assertion.
STEP_TIMEOUT_MS = 30_000
expect.set_options(timeout=15_000)
LOG_TAIL_LINES = 60


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failed browser test, add the last lines the demo server and its worker wrote (no personal data: the
    demo's log level is WARNING, and log lines carry ids, never names)."""
    report = yield
    env = getattr(item, "funcargs", {}).get("demo_env")
    if report.failed and call.when == "call" and env:
        for name in ("e2e-web.log", "e2e-worker.log"):
            path = Path(env["RONDOM_VAR_DIR"]) / name
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
                report.sections.append((f"demo server: {name} (last {LOG_TAIL_LINES} lines)", "\n".join(tail)))
    return report


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[dict[str, str]]:
    # One server serves every browser test of a worker, and several of them sign the demo parent in with an e-mail
    # code within ten minutes: the per-account limit on new codes (3 per 10 minutes, specified in
    # src/rondom/portal/tests/test_code_attempts.py) would refuse the fourth. The servers here allow more.
    env = {**os.environ, "RONDOM_LOG_LEVEL": "WARNING", "RONDOM_NEW_CODE_RATE": "60/10m"}
    env.pop("DATABASE_URL", None)  # the browser tests run on their own SQLite file
    # `migrate` and `load_demo --small` run once per test run; each worker's server gets a copy of its own.
    var = small_demo_var_dir(shared_tmp(tmp_path_factory, worker_id), env, ROOT)
    yield {**env, "RONDOM_VAR_DIR": str(var)}


@pytest.fixture(scope="session")
def base_url(demo_env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    # The server's and the worker's own output is kept, and shown when a browser test fails (see
    # pytest_runtest_makereport below): a step that times out then says what the server did meanwhile.
    var = Path(demo_env["RONDOM_VAR_DIR"])
    web_log = (var / "e2e-web.log").open("ab")
    worker_log = (var / "e2e-worker.log").open("ab")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "rondom.config.wsgi",
            "--pythonpath",
            "src",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            # Method, path without the query string (search terms stay out), status and seconds taken.
            "--access-logfile",
            "-",
            "--access-logformat",
            '%(t)s "%(m)s %(U)s" %(s)s %(L)ss',
        ],
        cwd=ROOT,
        env={**demo_env, "RONDOM_DEBUG": "1"},
        stdout=web_log,
        stderr=subprocess.STDOUT,
    )
    # The real background worker, as `make run` starts it: uploads and other tasks are run by it.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "default", "--interval", "0.2"],
        cwd=ROOT,
        env=demo_env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, tries=100)
        yield url
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            process.wait(timeout=10)
        web_log.close()
        worker_log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make setup` installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts a test opens (one per login and language), closed afterwards: append each one."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="nl-NL")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def manage(demo_env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=demo_env, check=True, capture_output=True, text=True
    ).stdout


def otp(demo_env: dict[str, str], username: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "demo_otp", username],
        cwd=ROOT,
        env=demo_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()[0]


def fresh_otp(demo_env: dict[str, str], username: str) -> str:
    """A TOTP code the demo server accepts now, for a professional who may have logged in moments ago.

    django-otp refuses a code of a time step at or before the last one it accepted, so with `otp()` two logins
    of one user within the same 30 seconds (two tests in a row) fail. The device accepts the previous step too
    (tolerance 1); this returns that code when it is still unused, which leaves the current step to the next
    login, and otherwise the current code, waiting for a new step when that one is used up as well."""
    database = Path(demo_env["RONDOM_VAR_DIR"]) / "rondom.sqlite3"
    while True:
        with closing(sqlite3.connect(database)) as db:
            row = db.execute(
                "SELECT d.key, d.step, d.t0, d.digits, d.tolerance, d.drift, d.last_t FROM otp_totp_totpdevice d"
                " JOIN accounts_user u ON u.id = d.user_id WHERE u.username = ? AND d.confirmed",
                (username,),
            ).fetchone()
        assert row is not None, f"{username} has no confirmed authenticator app in the demo database"
        key, step, t0, digits, tolerance, drift, last_t = row
        now = time.time()
        if step - (now - t0) % step < 3:  # too close to the next step to submit in time
            time.sleep(step - (now - t0) % step + 0.1)
            continue
        current = int(now - t0) // step
        accepted = set(range(current + drift - tolerance, current + drift + tolerance + 1))
        for t in (current - 1, current):
            if t > last_t and t in accepted:
                return f"{hotp(bytes.fromhex(key), t, digits):0{digits}d}"
        time.sleep(step - (now - t0) % step + 0.1)


@pytest.fixture(scope="session")
def demo_records(demo_env: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    out = manage(demo_env, "shell", "-c", "from tests.e2e.a11y_data import main; main()")
    line = next(line for line in out.splitlines() if line.startswith(OUTPUT_PREFIX))
    return json.loads(line.removeprefix(OUTPUT_PREFIX))
