"""Helpers shared by the tests and the benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rondom.accounts.middleware import FAMILY_VERIFIED
from rondom.accounts.models import User


def verified_client(client: Client, user: User, *, verified: bool = True) -> Client:
    """Log a user in; professionals also pass the second factor (a confirmed TOTP device) unless told not to."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if verified and user.is_professional:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    elif verified:  # a family login confirmed with the e-mail code
        session = client.session
        session[FAMILY_VERIFIED] = True
        session.save()
    return client


def wait_until_serving(url: str, *, tries: int = 150, pause: float = 0.2) -> None:
    """Wait until a server started by a test answers `url` + `/health`; RuntimeError when it never does."""
    import time
    import urllib.request

    for _ in range(tries):
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1)
            return
        except OSError:
            time.sleep(pause)
    raise RuntimeError("the demo server did not start")


def small_demo_var_dir(shared: Path, env: dict[str, str], root: Path) -> Path:
    """A new RONDOM_VAR_DIR holding a migrated SQLite database with the small demo (`migrate`, `load_demo --small`),
    for a test server of its own (the browser tests, the API contract test).

    The database is built once per test run and copied for each caller: `shared` is one folder for the whole run,
    also across pytest-xdist workers (see `shared_tmp`), and a file lock lets the first caller build while the
    others wait. `env` is the environment to run manage.py in (its RONDOM_VAR_DIR is replaced); each caller gets a
    copy of its own, so what one server writes is never seen by another.
    """
    import fcntl
    import shutil
    import subprocess
    import sys
    import tempfile

    built = shared / "small-demo"
    with (shared / "small-demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also when the build fails
        if not (shared / "small-demo.ready").exists():
            shutil.rmtree(built, ignore_errors=True)
            built.mkdir(parents=True)
            build_env = {**env, "RONDOM_VAR_DIR": str(built)}
            for command in (["migrate", "-v0"], ["load_demo", "--small"]):
                subprocess.run(
                    [sys.executable, "manage.py", *command], cwd=root, env=build_env, check=True, capture_output=True
                )
            (shared / "small-demo.ready").touch()
    var = Path(tempfile.mkdtemp(prefix="rondom-demo-"))
    shutil.copytree(built, var, dirs_exist_ok=True)
    return var


def shared_tmp(tmp_path_factory: Any, worker_id: str) -> Path:
    """A folder shared by every pytest-xdist worker of this run (the base temporary folder of the whole run)."""
    base = Path(tmp_path_factory.getbasetemp())
    return base if worker_id == "master" else base.parent
