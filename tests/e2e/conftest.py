"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright, against Rondom served by
gunicorn from a fresh SQLite database with the demo data. The set-up installs Chromium; nothing skips."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def demo_env() -> Iterator[dict[str, str]]:
    var = tempfile.mkdtemp(prefix="rondom-e2e-")
    env = {**os.environ, "RONDOM_VAR_DIR": var, "RONDOM_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)  # the browser tests run on their own SQLite file
    for command in (["migrate", "-v0"], ["load_demo", "--small"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    yield env


@pytest.fixture(scope="session")
def base_url(demo_env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
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
        ],
        cwd=ROOT,
        env={**demo_env, "RONDOM_DEBUG": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The real background worker, as `make run` starts it: uploads and other tasks are run by it.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "default", "--interval", "0.2"],
        cwd=ROOT,
        env=demo_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the demo server did not start")
        yield url
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            process.wait(timeout=10)


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
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="nl-NL")
    context.set_default_timeout(10_000)
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
