"""The Monday-morning mix of bench/bench_load.py as Locust users (run by bench_load.py; see docs/load.md).

Reads BENCH_LOAD_TARGETS (JSON written by `bench_load.py --prepare`): the session cookie's name and, per kind of
user, the sessions (one per virtual user, made in the session store as the real logins leave them) and the pages
each account may open, with a marker only that page contains. Every request is named by its page type, so Locust
reports p95 per page type. A request fails unless it answers 200 (redirects are not followed: a redirect to a
login or the second-factor step is a failure) with the page's marker in the body.

The mix (weights: of 20 people at work, 8 ib'ers, 3 leerplicht officers, 6 parents, 3 policy staff):
- ib'er / zorgcoördinator: opens child pages of the school (3) and the plans of children who have one (2);
- leerplicht officer: the absence signals work list, its pages and school filters (3), and single signals (2);
- parent: the portal's overview (1) and the plan of their child (2);
- policy staff: the monitoring dashboard for the city or a pilot, a school year and a trend.
Everyone reads 1-3 s between two clicks.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

_FILE = os.environ.get("BENCH_LOAD_TARGETS", "")
_TARGETS: dict[str, Any] = json.loads(Path(_FILE).read_text()) if _FILE else {}
_NEXT = {kind: itertools.count() for kind in _TARGETS.get("kinds", {})}


def check(status: int, body: str, marker: str) -> tuple[bool, str]:
    """Whether an answer is the right page: (ok, why not)."""
    if status != 200:
        return False, f"status {status}"
    if marker not in body:
        return False, f"marker {marker!r} missing (another page, e.g. a login form, answered 200)"
    return True, ""


class _Person(HttpUser):
    abstract = True
    kind = ""
    wait_time = between(1, 3)

    def on_start(self) -> None:
        people = _TARGETS["kinds"][self.kind]
        session = people["sessions"][next(_NEXT[self.kind]) % len(people["sessions"])]
        self.client.cookies.set(_TARGETS["cookie"], session["key"])
        self.client.headers["Accept-Language"] = "nl"
        # One connection per request, as the TLS proxy in front of gunicorn talks to it (nginx's default for
        # upstreams: no keep-alive). With keep-alive, gunicorn closes a connection idle for 2 s (its default
        # --keep-alive) while the user is still reading 1-3 s; the next click on that connection then races the
        # close and gets "connection reset" — a browser silently retries that, `requests` does not.
        self.client.headers["Connection"] = "close"
        self.pages: dict[str, list[dict[str, str]]] = {}
        for page in people["pages"][session["user"]]:
            self.pages.setdefault(page["type"], []).append(page)

    def open(self, page_type: str) -> None:
        pages = self.pages.get(page_type)
        if not pages:
            return
        page = random.choice(pages)
        with self.client.get(page["url"], name=page_type, allow_redirects=False, catch_response=True) as response:
            ok, why = check(response.status_code, response.text or "", page["marker"])
            if response.status_code == 0:  # no answer at all: the connection's error says why
                why = f"no answer: {response.error!r}"
            if ok:
                response.success()
            else:
                location = response.headers.get("Location", "")
                response.failure(f"{why}{' to ' + location if location else ''} ({page['url']})")


class IbUser(_Person):
    """An intern begeleider or zorgcoördinator preparing the support team: children's records and plans."""

    weight = 8
    kind = "ib"

    @task(3)
    def child_page(self) -> None:
        self.open("child_page")

    @task(2)
    def plan_page(self) -> None:
        self.open("plan_page")


class LeerplichtUser(_Person):
    """A leerplicht officer working through the absence signals."""

    weight = 3
    kind = "leerplicht"

    @task(3)
    def signals_list(self) -> None:
        self.open("signals_list")

    @task(2)
    def signal_page(self) -> None:
        self.open("signal_page")


class ParentUser(_Person):
    """A parent in the portal: the overview, then the plan of their child."""

    weight = 6
    kind = "parent"

    @task(1)
    def portal_home(self) -> None:
        self.open("portal_home")

    @task(2)
    def portal_child(self) -> None:
        self.open("portal_child")


class PolicyUser(_Person):
    """Policy staff of the gemeente or the school boards on the monitoring dashboard."""

    weight = 3
    kind = "policy"

    @task
    def dashboard(self) -> None:
        self.open("dashboard")
