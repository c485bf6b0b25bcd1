"""The API keeps its OpenAPI contract under fuzzing: schemathesis (pinned in requirements.lock) runs every check
against the schema as an intern begeleider, a functioneel beheerder and a parent — 0 server errors and 0 schema
violations (issue 12, acceptance).

The run is bounded and repeatable: a fixed number of examples per operation (``MAX_EXAMPLES``), schemathesis's
deterministic generation, and the three roles at once against one gunicorn serving a fresh SQLite database with
the small demo data (about two minutes on two cores). Settings of the checks: tests/schemathesis.toml.
On a failure the assertion shows schemathesis's report (with a curl command to reproduce each finding).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest_helpers import shared_tmp, small_demo_var_dir, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
ST = Path(sys.executable).parent / "st"
CONFIG = ROOT / "tests" / "schemathesis.toml"
ROLES = {"ib": "intern begeleider", "beheer": "functioneel beheerder", "ouder": "parent"}
MAX_EXAMPLES = 8
GUNICORN = [sys.executable, "-m", "gunicorn", "rondom.config.wsgi", "--pythonpath", "src", "--workers", "1"]
GUNICORN += ["--threads", "4"]
CSRF = "schemathesisCsrfToken0123456789a"  # 32 characters: a CSRF secret Django accepts as cookie and header

SESSIONS = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rondom.accounts.middleware import FAMILY_VERIFIED
from rondom.accounts.models import User
keys = {}
for username in %r:
    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if user.is_professional:
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=user).first().persistent_id
    else:
        session[FAMILY_VERIFIED] = True
    session.create()
    keys[username] = session.session_key
print("SESSIONS=" + json.dumps(keys))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A real gunicorn and schemathesis in subprocesses; under libfaketime (the moved-clock CI runs) Python's
# time.sleep fails with EINVAL while it waits for them, so those runs leave this module out (marker "server").
pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[tuple[str, dict[str, str], Path]]:
    """gunicorn on a fresh SQLite database with the small demo data; logged-in sessions for the three roles."""
    env = {**os.environ, "RONDOM_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    # A copy of its own of the small demo that `migrate` and `load_demo --small` built once for this test run (the
    # browser tests copy the same one).
    var = small_demo_var_dir(shared_tmp(tmp_path_factory, worker_id), env, ROOT)
    env["RONDOM_VAR_DIR"] = str(var)
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SESSIONS % (list(ROLES),)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    sessions = json.loads(next(line for line in out.splitlines() if line.startswith("SESSIONS="))[9:])
    port = _free_port()
    server = subprocess.Popen(
        [*GUNICORN, "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, tries=150)
        yield url, sessions, var
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(var, ignore_errors=True)


def test_the_api_answers_as_its_schema_says_for_an_ib_er_a_functional_admin_and_a_parent(demo_server) -> None:  # type: ignore[no-untyped-def]
    url, sessions, var = demo_server
    assert ST.exists(), "schemathesis is missing: `make setup` installs it from requirements.lock"
    runs = {}
    for username in ROLES:
        report = var / f"schemathesis-{username}.txt"
        command = [
            str(ST),
            "--config-file",
            str(CONFIG),
            "run",
            f"{url}/api/schema/?format=json",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--generation-deterministic",
            "--generation-with-security-parameters",
            "false",  # the session cookie is sent as a header; schemathesis cannot take it away
            "--workers",
            "1",
            "--no-color",
            "--header",
            f"Cookie: sessionid={sessions[username]}; csrftoken={CSRF}",
            "--header",
            f"X-CSRFToken: {CSRF}",
        ]
        # In the run's own folder: schemathesis keeps its crash store (.schemathesis/) in the working directory.
        process = subprocess.Popen(command, cwd=var, stdout=report.open("w"), stderr=subprocess.STDOUT)
        runs[username] = (process, report)
    failures = []
    for username, (process, report) in runs.items():
        code = process.wait(timeout=600)
        text = report.read_text()
        if code != 0 or "failures" in text.splitlines()[-1]:
            failures.append(f"--- as {ROLES[username]} ({username}), exit code {code}:\n{text[-6000:]}")
        assert " passed" in text, text[-2000:]  # it really ran
    assert not failures, "\n".join(failures)
