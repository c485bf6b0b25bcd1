"""The processes of deploy/ run on a read-only root file system, as the pods do (readOnlyRootFilesystem: true).

The image cannot be built here (no base images), so this runs the manifests' own commands (the migrate Job, then
web, worker and scheduler) from the working tree, each in a mount namespace (`unshare -m`) where `/` is remounted
read-only and only the var folder and the temp folder stay writable, as in a pod. It needs root (to mount), so it
is skipped elsewhere. It shows that nothing writes outside those two places (gunicorn's control socket under $HOME
did, until --no-control-socket), that the scheduler keeps its state in the var folder and the worker runs what the
scheduler enqueued, and that the web answers its probes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.test_deploy import ROOT, _image_env, _of_kind

pytestmark = pytest.mark.server

_MOUNT = (
    'set -e; mount --make-rprivate /; for d in "$RONDOM_VAR_DIR" "$TMPDIR"; do mount --bind "$d" "$d"; done; '
    'mount -o remount,bind,ro /; exec "$@"'
)


def _can_mount() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _local(argv: list[str], port: int) -> list[str]:
    """A manifest's command as run from the working tree: the venv's python and gunicorn, a local port."""
    venv_bin = Path(sys.executable).parent
    argv = [str(venv_bin / "python") if argv[0] == "python" else str(venv_bin / argv[0]), *argv[1:]]
    if "--bind" in argv:
        argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
    return argv


def _command(kind: str, name: str) -> list[str]:
    return list(_of_kind(kind)[name]["spec"]["template"]["spec"]["containers"][0]["command"])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.skipif(not _can_mount(), reason="needs root and unshare to remount / read-only")
def test_migrate_web_worker_and_scheduler_run_with_only_the_var_folder_and_tmp_writable(tmp_path: Path) -> None:
    var_dir, temp = tmp_path / "var", Path(tempfile.mkdtemp(dir=tmp_path))
    var_dir.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": "/nonexistent",
        "RONDOM_VAR_DIR": str(var_dir),
        "TMPDIR": str(temp),
        "PYTHONDONTWRITEBYTECODE": _image_env()["PYTHONDONTWRITEBYTECODE"],
        "DJANGO_SETTINGS_MODULE": _image_env()["DJANGO_SETTINGS_MODULE"],
    }
    port = _free_port()

    def readonly(argv: list[str], log: str) -> subprocess.Popen[bytes]:
        with open(tmp_path / log, "wb") as out:
            return subprocess.Popen(
                ["unshare", "-m", "bash", "-c", _MOUNT, "readonly", *_local(argv, port)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    # A write outside the two folders fails in the namespace (the test's own premise).
    assert readonly(["python", "-c", f"open('{ROOT}/readonly-probe', 'w')"], "probe.log").wait(60) != 0
    assert b"Read-only file system" in (tmp_path / "probe.log").read_bytes()

    migrate = readonly(_command("Job", "rondom-migrate"), "migrate.log")
    assert migrate.wait(300) == 0, (tmp_path / "migrate.log").read_text()
    processes = [
        readonly(_command("Deployment", "rondom-web"), "web.log"),
        readonly(_command("Deployment", "rondom-worker"), "worker.log"),
        readonly(_command("Deployment", "rondom-scheduler"), "scheduler.log"),
    ]
    try:
        deadline = time.monotonic() + 120
        answers: dict[str, tuple[int, str]] = {}
        while time.monotonic() < deadline:
            try:
                answers = {path: _get(f"http://127.0.0.1:{port}{path}") for path in ("/health", "/ready")}
            except OSError:
                answers = {}
            worker_log = (tmp_path / "worker.log").read_text()
            if answers and (var_dir / "scheduler.json").is_file() and "state=SUCCESSFUL" in worker_log:
                break
            time.sleep(1)
        assert answers, (tmp_path / "web.log").read_text()[-2000:]
        assert answers["/health"] == (200, '{"status": "ok"}')
        assert answers["/ready"] == (200, '{"status": "ready"}')
        assert _get(f"http://127.0.0.1:{port}/accounts/login/")[0] == 200
        assert (var_dir / "scheduler.json").is_file()  # the scheduler's state, in the shared volume
        assert "state=SUCCESSFUL" in (tmp_path / "worker.log").read_text()  # a scheduled job, run by the worker
    finally:
        for process in processes:
            os.killpg(process.pid, 15)
        for process in processes:
            process.wait(30)
    for log in ("migrate.log", "web.log", "worker.log", "scheduler.log"):
        text = (tmp_path / log).read_text()
        assert "Read-only file system" not in text, (log, text[-2000:])
        assert "[ERROR]" not in text and '"level": "ERROR"' not in text, (log, text[-2000:])
    assert not (ROOT / "readonly-probe").exists()
