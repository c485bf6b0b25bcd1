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

import time
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page

from .conftest import ROOT, STEP_TIMEOUT_MS
from .pages import STATES, Checked, Route, discover, fill, log_in, set_language

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LANGUAGES = ("nl", "en")
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
