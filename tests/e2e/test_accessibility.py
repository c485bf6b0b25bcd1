"""WCAG 2.2 AA, checked by axe-core in headless Chromium on every HTML page of Rondom, in Dutch and in English.

Nobody lists the pages: they are found by walking the URL patterns, so a new page is checked from the day it is
added. Path parameters (<child_id>, <signal_id>, ...) are filled with records from the demo database that belong
together (tests/e2e/a11y_data.py adds the few that `load_demo --small` lacks). Each page is opened by the first
login that gets it as HTML: anonymous first (the login pages), then the professionals of rondom.demo.data.LOGINS
in their order, a new colleague who has not linked an authenticator app yet, and the families; each page once per
language. Routes that are not pages are skipped by rule: the API and the admin, views that do not answer GET
(POST only, 405) and answers that are not HTML (JSON, downloads). A page that no login can open fails the test:
add demo data for it, or an entry with a reason in EXCLUDED.

`pytest -s tests/e2e/test_accessibility.py` prints every page checked, with the login and the language."""

from __future__ import annotations

import inspect
import json
import re
import time
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import get_resolver, reverse
from playwright.sync_api import Browser, BrowserContext, Page

from rondom.demo.data import DEMO_PASSWORD, LOGINS
from tests.test_routes_guarded import FRAMEWORK_ROUTES, walk

from .a11y_data import NEW_COLLEAGUE, OUTPUT_PREFIX
from .conftest import ROOT, STEP_TIMEOUT_MS, fresh_otp, manage, otp

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LANGUAGES = ("nl", "en")
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
}
#: The API answers JSON (its browsable docs are drf-spectacular's); the admin is Django's own.
NOT_OURS = ("api/", "admin/")
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
MAX_CANDIDATES = 40

#: axe-core no longer reports duplicate ids (WCAG 2.2 dropped 4.1.1), but a label or aria-describedby pointing
#: to an id used twice describes the wrong field (1.3.1, 4.1.2): this test reports them itself.
DUPLICATE_IDS = """() => {
  const seen = {};
  for (const element of document.querySelectorAll('[id]')) seen[element.id] = (seen[element.id] || 0) + 1;
  return Object.keys(seen).filter(id => seen[id] > 1);
}"""
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""


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


@pytest.fixture(scope="module")
def demo_records(demo_env: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    out = manage(demo_env, "shell", "-c", "from tests.e2e.a11y_data import main; main()")
    line = next(line for line in out.splitlines() if line.startswith(OUTPUT_PREFIX))
    return json.loads(line.removeprefix(OUTPUT_PREFIX))


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


def check(page: Page, base_url: str, item: Checked) -> list[str]:
    response = page.goto(base_url + item.url)
    where = f"{item.route.name} {item.url} [{item.language}, {item.login}]"
    if response is None or response.status != 200 or urlparse(page.url).path != item.url:
        return [f"{where}: did not open ({response.status if response else '-'} {page.url})"]
    problems = []
    lang = page.evaluate("document.documentElement.lang")
    if lang != item.language:
        problems.append(f"{where}: <html lang={lang!r}>, expected {item.language!r}")
    for duplicate in page.evaluate(DUPLICATE_IDS):
        problems.append(f"{where}: duplicate-id: id={duplicate!r} is used more than once")
    page.add_script_tag(path=str(AXE))
    for v in page.evaluate(AXE_RUN, WCAG_TAGS):
        problems.append(f"{where}: {v['id']} ({v['impact']}) {v['help']} — {'; '.join(v['targets'])} — {v['url']}")
    return problems


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def test_every_page_meets_wcag_22_aa_in_dutch_and_english(  # type: ignore[no-untyped-def]
    browser: Browser, base_url: str, demo_env, demo_records, contexts
) -> None:
    assert AXE.exists(), "axe-core is missing: `make setup` (npm ci) installs it"
    started = time.monotonic()
    routes, skipped = discover()
    problems: list[str] = []
    pending: list[Route] = []
    for route in routes:
        route.urls, why = fill(route, demo_records)
        if route.urls:
            pending.append(route)
        else:
            problems.append(f"{route.name} /{route.pattern}: {why}; add demo data, or an entry in EXCLUDED")
    checked: list[Checked] = []
    for state in STATES:
        if not pending:
            break
        context = browser.new_context(locale="nl-NL", bypass_csp=True)
        contexts.append(context)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        page = context.new_page()
        if state:
            log_in(page, base_url, demo_env, state)
        mine: list[Checked] = []
        for route in list(pending):
            for url in route.urls:
                answer = context.request.get(base_url + url, max_redirects=0)
                route.answers.add(answer.status)
                if answer.status == 200:
                    pending.remove(route)
                    if "text/html" in answer.headers.get("content-type", ""):
                        mine.append(Checked(route, url, state or "anonymous"))
                    else:
                        skipped[route.name] = f"not HTML ({answer.headers.get('content-type')})"
                    break
        for language in LANGUAGES:
            set_language(context, base_url, language)
            for item in mine:
                done = Checked(item.route, item.url, item.login, language)
                problems += check(page, base_url, done)
                checked.append(done)
        context.close()
        contexts.remove(context)
    for route in pending:
        if route.answers == {405}:
            skipped[route.name] = "GET answers 405 (POST only)"
        else:
            problems.append(
                f"{route.name} /{route.pattern}: no login can open it (answers {sorted(route.answers)} for "
                f"{route.urls[:3]}...); add demo data so a demo login can, or an entry in EXCLUDED"
            )

    print(f"\nAccessibility (axe-core, {', '.join(WCAG_TAGS)}): {len(checked)} checks")
    for item in checked:
        print(f"  checked {item.route.name:32} {item.url:55} {item.language}  {item.login}")
    for name, reason in sorted(skipped.items()):
        print(f"  skipped {name:32} {reason}")
    pages = len({c.route.name for c in checked})
    print(f"  {pages} pages x {len(LANGUAGES)} languages in {time.monotonic() - started:.1f} s")
    assert checked, "no page was checked: does the URL walk still find the routes?"
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)
