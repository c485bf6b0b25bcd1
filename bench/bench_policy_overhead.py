"""What the access policy and the NEN 7513 log cost per request.

Times GET /api/children/<id>/ through the whole middleware stack twice, in the same run on the same data:
once through the real view (policy check + hash-chained log row in a transaction) and once through the
same view without them (baseline). Reports the extra milliseconds per request (median) and the ratio.
Target: at most 2 ms extra per request.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import emit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("RONDOM_VAR_DIR", tempfile.mkdtemp(prefix="rondom-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rondom.config.settings")
os.environ.setdefault("RONDOM_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from rondom.audit.models import AccessLogEntry  # noqa: E402
from rondom.registry.api import ChildSerializer  # noqa: E402
from rondom.registry.models import Child  # noqa: E402

TARGET_MS = 2.0
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "400"))


class UnguardedChildView(APIView):
    """The baseline: the same response, without policy or log. Exists only in this benchmark's URLconf."""

    serves_child_data = True

    def get(self, request: Request, child_id: int) -> Response:
        child = Child.objects.select_related("school", "home_municipality").get(pk=child_id)
        return Response(ChildSerializer(child).data)


urlpatterns = [
    path("baseline/<int:child_id>/", UnguardedChildView.as_view()),
    path("", include("rondom.config.urls")),
]


def main() -> int:
    call_command("migrate", verbosity=0)
    from rondom.demo import data
    from tests.conftest_helpers import verified_client

    data.load()
    # A realistic school: 400 pupils, the IB'er in the support team of some of them.
    from tests.factories import ChildFactory

    noor = Child.objects.get(given_name="Noor")
    ChildFactory.create_batch(400, school=noor.school, home_municipality=noor.home_municipality)
    from rondom.accounts.models import User

    client: Client = verified_client(Client(), User.objects.get(username="ib"))
    guarded, baseline = f"/api/children/{noor.pk}/", f"/baseline/{noor.pk}/"
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        for url in (guarded, baseline):
            for _ in range(30):  # warm-up
                assert client.get(url).status_code == 200
        before = AccessLogEntry.objects.count()
        times: dict[str, list[float]] = {guarded: [], baseline: []}
        for _ in range(ROUNDS):
            for url in (guarded, baseline):  # interleaved, so both see the same machine
                start = time.perf_counter()
                client.get(url)
                times[url].append((time.perf_counter() - start) * 1000)
        assert AccessLogEntry.objects.count() - before == ROUNDS, "every guarded request writes one log row"
    g, b = statistics.median(times[guarded]), statistics.median(times[baseline])
    extra = g - b
    print(f"guarded median {g:.2f} ms, baseline median {b:.2f} ms, ratio {g / b:.2f} ({ROUNDS} requests each)")
    emit("policy_overhead_ms", extra, "ms", "<=", TARGET_MS, places=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
