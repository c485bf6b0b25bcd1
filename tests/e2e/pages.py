"""The pages of Rondom, found by walking the URL patterns, and the logins that open them: shared by the browser tests
that visit every page (test_accessibility.py: axe-core; test_crawl.py: Dutch text, numbers, links, 320 px).

Path parameters (<child_id>, <signal_id>, ...) are filled with records from the demo database that belong together
(tests/e2e/a11y_data.py adds the few that `load_demo --small` lacks); see `fill`."""

from __future__ import annotations

import inspect
import json
import re
import typing
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import get_resolver, reverse
from playwright.sync_api import BrowserContext, Page

from rondom.demo.data import DEMO_PASSWORD, LOGINS
from tests.test_routes_guarded import FRAMEWORK_ROUTES, walk

from .a11y_data import NEW_COLLEAGUE
from .conftest import fresh_otp, otp

#: Who opens the pages, in this order: a visitor who is not logged in (None), the professionals, a professional
#: who has not linked an authenticator app yet, the families.
STATES: list[str | None] = [
    None,
    *(login.username for login in LOGINS if login.organisation),
    NEW_COLLEAGUE,
    *(login.username for login in LOGINS if not login.organisation),
]
#: Not pages of their own; keep this short and give the reason.
EXCLUDED: dict[str, str] = {
    "home": "only redirects to registry:child-list, which is checked",
    "cases:inbox-action": "the action URL of a request (POST); a GET redirects to cases:inbox, which is checked",
    "portal:digid": "DigiD login: a redirect to the municipality's OIDC broker (404 while none is configured)",
    "portal:digid-callback": "where the OIDC broker returns to; not a page (404 while no broker is configured)",
    "accounts:invitation": "the one-time link of an invitation e-mail (a token no demo record holds); its pages are "
    "tested in src/rondom/accounts/tests/test_staff_accounts.py",
    "records:contacts-home": "a provider's or wijkteam's functioneel beheerder keeps its contacts; the demo has none "
    "(tested in src/rondom/accounts/tests/test_staff_accounts.py)",
    "records:contacts": "as records:contacts-home",
    "accounts:sso": "single sign-on for professionals: a redirect to the organisation's identity provider (404 while "
    "none is configured); tested over real HTTP in src/rondom/accounts/tests/test_staff_sso.py",
    "accounts:sso-callback": "where the identity provider returns to; not a page (404 while none is configured)",
    "records:staff-home": "redirects a beheerder of one organisation (every demo login) to records:staff-list, which "
    "is checked; the choice between several is tested in src/rondom/accounts/tests/test_staff_accounts.py",
    "records:team-home": "as records:staff-home, for records:team",
    "swv:loket-document": "a download (a document released with a request); tested in "
    "src/rondom/swv/tests/test_loket_documents.py",
    "opp:pdf": "a download (the plan as a PDF with a signature block); tested in "
    "src/rondom/opp/tests/test_opp_pages.py",
    "transfers:report": "a download (the onderwijskundig rapport as a PDF); tested in "
    "src/rondom/transfers/tests/test_pages.py",
    "transfers:oso": "a download (the OSO overstapdossier as XML); tested in src/rondom/transfers/tests/test_oso.py",
}
#: The API answers JSON (its browsable docs are drf-spectacular's); the admin is Django's own.
NOT_OURS = ("api/", "admin/")
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
MAX_CANDIDATES = 40


@dataclass
class Route:
    name: str
    pattern: str
    callback: Any
    params: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    answers: set[int] = field(default_factory=set)


@dataclass
class Checked:
    route: Route
    url: str
    login: str
    language: str = ""


def returns_a_file(get: Any) -> bool:
    try:
        answer = typing.get_type_hints(get).get("return")
    except (NameError, TypeError):
        return False
    return isinstance(answer, type) and issubclass(answer, StreamingHttpResponse)  # FileResponse too


def skip_reason(route: Route) -> str | None:
    """Why a route is not a page, judged from the route and its view alone."""
    if route.name.startswith(FRAMEWORK_ROUTES) or route.pattern.startswith(NOT_OURS):
        return "API or admin"
    if route.name in EXCLUDED:
        return f"excluded: {EXCLUDED[route.name]}"
    view = getattr(route.callback, "view_class", None)
    if view is not None:
        get = getattr(view, "get", None)
        if get is None or "get" not in view.http_method_names:
            return "no GET (POST only)"
        try:
            inspect.signature(get).bind(None, None, **dict.fromkeys(route.params, 1))
        except TypeError:
            return f"its GET takes no {', '.join(route.params)} (POST only)"
        if returns_a_file(get):
            return "a download (its GET returns a file)"
    return None


def discover() -> tuple[list[Route], dict[str, str]]:
    routes, skipped = [], {}
    for pattern, name, callback in walk(get_resolver()):
        route = Route(name, pattern, callback, PARAMETER.findall(pattern))
        reason = skip_reason(route)
        if reason:
            skipped[name] = reason
        else:
            routes.append(route)
    return routes, skipped


def records_for(parameter: str, records: dict[str, list[dict[str, Any]]]) -> list[tuple[Any, Any]]:
    """<signal_id> is filled from every model whose name ends in "signal" (cases.Signal, ThresholdSignal)."""
    stem = parameter.removesuffix("_id").replace("_", "")
    return [
        (row["pk"], row["child"])
        for label, rows in records.items()
        if label.split(".")[1].lower().endswith(stem)
        for row in rows
    ]


def fill(route: Route, records: dict[str, list[dict[str, Any]]]) -> tuple[list[str], str]:
    """Candidate URLs for a route, parameters that belong to one child kept together; or why there are none."""
    per_child = "child_id" in route.params
    combos: list[dict[str, Any]] = [{}]
    for parameter in route.params:
        if parameter == "child_id":
            continue
        found = records_for(parameter, records)
        if not found:
            return [], f"no record in the demo database for <{parameter}>"
        grown = []
        for combo in combos:
            for pk, child in found:
                if not per_child or child is None:
                    grown.append({**combo, parameter: pk})
                elif combo.get("child_id", child) == child:
                    grown.append({**combo, parameter: pk, "child_id": child})
        combos = grown
    if per_child:
        children = [pk for pk, _child in records_for("child_id", records)]
        combos = [c if "child_id" in c else {**c, "child_id": child} for c in combos for child in children]
        combos = list({json.dumps(c, sort_keys=True): c for c in combos}.values())
    urls = ["/" + PARAMETER.sub(lambda m, c=c: str(c[m.group(1)]), route.pattern) for c in combos]  # type: ignore[misc]
    return urls[:MAX_CANDIDATES], "" if urls else "no combination of records fits"


def submit(page: Page, selector: str, value: str) -> None:
    field = page.locator(f"main {selector}")
    field.fill(value)
    with page.expect_navigation():
        field.press("Enter")


def log_in(page: Page, base_url: str, demo_env: dict[str, str], username: str) -> None:
    """Password, then whatever second step the login asks for: the authenticator code of a professional, the
    e-mailed code of a family; a new colleague stops at the set-up of the authenticator app."""
    page.goto(base_url + reverse("accounts:login"))
    page.locator("main input[name=username]").fill(username)
    submit(page, "input[name=password]", DEMO_PASSWORD)
    path = urlparse(page.url).path
    if path == reverse("accounts:otp"):
        submit(page, "input[autocomplete=one-time-code]", fresh_otp(demo_env, username))
    elif path != reverse("accounts:otp-setup") and page.locator("main input[autocomplete=one-time-code]").count():
        submit(page, "input[autocomplete=one-time-code]", otp(demo_env, username).split()[0])
    stuck = urlparse(page.url).path in (reverse("accounts:login"), reverse("accounts:otp"))
    assert not stuck, f"{username} could not log in"


def set_language(context: BrowserContext, base_url: str, language: str) -> None:
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}])
