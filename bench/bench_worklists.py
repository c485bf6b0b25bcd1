"""Work lists under 20 concurrent users on the Zwolle-scale demo data (issue 14).

Starts gunicorn on a fresh SQLite database with the demo data at Zwolle scale (population, casework and absence,
as `load_demo` builds it), logs 20 virtual users in as the demo leerplichtambtenaar and 20 as the demo intern
begeleider (each with a verified second factor), and has them page, filter and sort their work list for a fixed
time: leerplicht the absence signals (/verzuim/signalen/), the ib'er the children list (/kinderen/).
Reports the p95 latency of each and `worklist_p95_ms`, the larger of the two. Target: <= 150 ms.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_child_page import SECONDS, THINK, USERS, bench_env, p95, run_load, start_server
from common import emit

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "18913"))
TARGET_MS = 150.0


def prepare(env: dict[str, str]) -> dict[str, object]:
    """Migrate, load the demo at Zwolle scale with its absence signals, and make verified sessions."""
    script = r"""
import json
import random
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from rondom.demo import absence, casework, data, population
today = timezone.localdate()
data.load(today)
population.generate(progress=False, today=today)
casework.generate(random.Random(2026), today=today)
absence.generate(random.Random(2026), today)
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rondom.accounts.models import User
from rondom.attendance.services import signals_for
from rondom.registry.models import Child
from rondom.access.policy import children_in_scope

def session_for(username):
    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.set_expiry(3600)
    session.save()
    return user, session.session_key

officer, officer_session = session_for("leerplicht")
ib, ib_session = session_for("ib")
scope = children_in_scope(ib)
found = signals_for(officer, today=today)
print(json.dumps({
    "officer": officer_session,
    "ib": ib_session,
    "signals": found.signals.count(),
    "signal_schools": sorted(found.school_ids),
    "children": scope.count(),
    "ib_schools": sorted(set(scope.values_list("school_id", flat=True))),
    "groups": sorted(set(scope.exclude(group="").values_list("group", flat=True))),
    "total": Child.objects.count(),
}))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"demo data: {result['total']} children; leerplicht has {result['signals']} open signals; "
        f"the IB'er sees {result['children']} children"
    )
    return result


def main() -> int:
    var = tempfile.mkdtemp(prefix="rondom-bench-worklists-")
    env = bench_env(var)
    world = prepare(env)
    server = start_server(env, PORT)
    base = f"http://127.0.0.1:{PORT}"
    signal_schools: list[int] = world["signal_schools"]  # type: ignore[assignment]
    groups: list[str] = world["groups"]  # type: ignore[assignment]
    signal_pages = max(1, -(-int(world["signals"]) // 25))  # type: ignore[call-overload]
    child_pages = max(1, -(-int(world["children"]) // 25))  # type: ignore[call-overload]
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)

        def signal_list(rng: random.Random) -> urllib.request.Request:
            """What leerplicht clicks: the list, a later page, one school, the overdue ones."""
            query = rng.choice(
                [
                    "",
                    f"?page={rng.randint(1, signal_pages)}",
                    f"?school={rng.choice(signal_schools)}" if signal_schools else "",
                    "?status=overdue",
                ]
            )
            return urllib.request.Request(f"{base}/verzuim/signalen/{query}")

        def child_list(rng: random.Random) -> urllib.request.Request:
            """What the ib'er clicks: the list, a later page, one group, sorted by group, with an open case."""
            query = rng.choice(
                [
                    "",
                    f"?page={rng.randint(1, child_pages)}",
                    f"?group={rng.choice(groups)}" if groups else "",
                    "?sort=group&page=2",
                    "?open_case=yes",
                ]
            )
            return urllib.request.Request(f"{base}/kinderen/{query}")

        # Warm up both workers (imports, templates, connections) before measuring.
        run_load(str(world["officer"]), signal_list, 0, seconds=3)
        run_load(str(world["ib"]), child_list, 0, seconds=3)
        signal_lat, signal_err = run_load(str(world["officer"]), signal_list, THINK)
        child_lat, child_err = run_load(str(world["ib"]), child_list, THINK)
    finally:
        server.terminate()
        server.wait(timeout=10)
    signal_p95, child_p95 = p95(signal_lat), p95(child_lat)
    print(f"{USERS} users, {SECONDS:.0f} s each")
    print(
        f"signal list at work:   {len(signal_lat)} ok, {signal_err} errors, p50 {statistics.median(signal_lat):.1f} ms"
    )
    print(f"children list at work: {len(child_lat)} ok, {child_err} errors, p50 {statistics.median(child_lat):.1f} ms")
    print(f"p95: signal list {signal_p95:.1f} ms, children list {child_p95:.1f} ms")
    worst = max(signal_p95, child_p95)
    ok = signal_err == 0 and child_err == 0
    emit("worklist_p95_ms", worst, "ms", "<=", TARGET_MS, ok)
    return 0


if __name__ == "__main__":
    sys.exit(main())
