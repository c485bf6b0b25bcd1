"""Every page as every demo login, in Dutch, on a phone 320 CSS px wide: what a new user would meet.

Each login (anonymous, the professionals and families of rondom.demo.data.LOGINS, a new colleague without an
authenticator app) starts where the login leads, follows the links on the pages it sees, and then opens every
route no link led to (tests/e2e/pages.py: found by walking the URL patterns, parameters filled with demo records). Per
page, in Dutch (tests/dutch_text.py has the text rules):
- no server error (5xx);
- no code word in the visible text or a form field's value (choice values such as `youth_care`,
  `absence_primary`, any `snake_case`), no unlocalised number (`12.5`, `4E+1`, `€ 980000`, `€ 980,000.00`) and
  no "1 leerlingen";
- every same-origin link answers 200 for this login, after redirects (logout, language switch and downloads are
  not followed);
- SVG geometry (x, y, cx, cy, r, points, d, viewBox, width, height, transform ...) and data-* numbers are machine
  values: no decimal comma;
- no horizontal scrolling at 320 CSS px (WCAG 2.2 SC 1.4.10 Reflow): `scrollWidth <= 320`, and no text that runs
  out of its table cell over the next line (a cell's content taller than its box).
A page (route) is checked at most PAGES_PER_ROUTE times per login, with different records. All findings are listed
at once, each with the login, the path and what is wrong. `pytest -s` prints what was visited."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urlparse

import pytest
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import Browser, Page

from tests.dutch_text import code_words, text_problems

from .conftest import STEP_TIMEOUT_MS
from .pages import EXCLUDED, NOT_OURS, STATES, Route, discover, fill, log_in, set_language

pytestmark = pytest.mark.browser

WIDTH = 320
PAGES_PER_ROUTE = 2
#: Candidate URLs tried directly for a route no link led to: enough to find a record the login may see.
TRIES_PER_ROUTE = 3
#: Links per route checked per login (a list of 50 children links to 50 pages of one kind).
LINKS_PER_ROUTE = 12
#: Findings of one kind listed per page (a table of 30 unformatted amounts is one mistake).
EXAMPLES = 3
NOT_FOLLOWED = {"accounts:logout", "portal:logout", "set_language", *EXCLUDED}
SVG_NUMBERS = ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "width", "height", "dx", "dy"]
SVG_NUMBER_LISTS = ["points", "d", "viewBox", "transform"]
#: The innermost elements that stick out on the right: what makes the page scroll sideways.
TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
    && ![...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : '')
    + ` "${(el.textContent || '').trim().slice(0, 20)}"`)"""
PAGE_FACTS = """([numbers, lists]) => {
  const problems = [];
  for (const el of document.querySelectorAll('svg, svg *')) {
    for (const name of numbers) {
      const v = el.getAttribute(name);
      if (v && /\\d,\\d/.test(v)) problems.push(`SVG <${el.tagName} ${name}="${v}"> has a decimal comma`);
    }
    for (const name of lists) {
      const v = el.getAttribute(name);
      // "10,5 20,5" and "M10,5L20,5" are lists of pairs: a number with two commas, or an odd count, is a decimal comma
      if (v && /\\d,\\d/.test(v) && (v.split(/[\\sA-Za-z()]+/).some(t => (t.match(/,/g) || []).length > 1)
          || (name === 'points' && v.trim().split(/[\\s,]+/).length % 2)
          || (name === 'viewBox' && v.trim().split(/[\\s,]+/).length !== 4)))
        problems.push(`SVG <${el.tagName} ${name}="${v.slice(0, 60)}"> has a decimal comma`);
    }
  }
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('data-') && /^-?\\d+,\\d+$/.test(a.value.trim()))
        problems.push(`<${el.tagName} ${a.name}="${a.value}"> has a decimal comma (machine value)`);
    }
  }
  // Reflow must not make text run over other text: a table cell (stacked on a phone or not) whose content is
  // taller than its box overlaps the next line (a fixed block-size from the design system did exactly that).
  for (const cell of document.querySelectorAll('td, th')) {
    if (cell.offsetParent !== null && cell.scrollHeight > cell.clientHeight + 2)
      problems.push(`text runs out of its table cell (overlaps the next line): ${cell.tagName.toLowerCase()} `
        + `"${(cell.innerText || '').trim().slice(0, 30)}"`);
  }
  const links = [...document.querySelectorAll('a[href]')]
    .filter(a => !a.hasAttribute('download'))
    .map(a => a.href);
  return {
    // what a user reads: the visible text, and the values in the form fields (hidden fields are machine values)
    text: (document.body ? document.body.innerText : '') + '\\n' + [...document.querySelectorAll(
      'input:not([type=hidden]):not([type=password]):not([type=checkbox]):not([type=radio]), textarea')]
      .map(field => field.value).join('\\n'),
    links, problems,
    scrollWidth: document.documentElement.scrollWidth,
  };
}"""


@dataclass
class Visit:
    """One login's crawl: pages to check, links already checked, what was found."""

    login: str
    base_url: str
    routes_seen: Counter[str] = field(default_factory=Counter)
    links_seen: Counter[str] = field(default_factory=Counter)
    urls: set[str] = field(default_factory=set)
    queue: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def enqueue(self, path: str) -> None:
        name = route_name(path)
        if path in self.urls or name in NOT_FOLLOWED or self.routes_seen[name] >= PAGES_PER_ROUTE:
            return
        if urlparse(path).path.lstrip("/").startswith(NOT_OURS):
            return
        self.urls.add(path)
        self.routes_seen[name] += 1
        self.queue.append(path)


def route_name(path: str) -> str:
    try:
        return resolve(urlparse(path).path).view_name
    except Resolver404:
        return urlparse(path).path


def local_path(url: str, base_url: str) -> str | None:
    """The path (and query) of a same-origin URL, without the fragment; None for another site or scheme."""
    url = urldefrag(url).url
    if not url.startswith(base_url + "/"):
        return None
    return url[len(base_url) :]


def check_page(page: Page, visit: Visit, path: str, downloads: set[str]) -> None:
    response = page.goto(visit.base_url + path)
    status = response.status if response else 0
    if status >= 500 or status == 0:
        visit.problems.append((path, f"server error {status}"))
        return
    if status != 200:
        return  # refused or not found: not this login's page (links are held to 200 below)
    landed = local_path(page.url, visit.base_url) or path
    if landed != path and landed in visit.urls:
        return
    visit.checked.append(landed)
    if "text/html" not in (response.headers.get("content-type", "") if response else ""):
        return
    facts: dict[str, Any] = page.evaluate(PAGE_FACTS, [SVG_NUMBERS, SVG_NUMBER_LISTS])
    visit.problems += [(landed, what) for what in text_problems(facts["text"])]
    visit.problems += [(landed, what) for what in dict.fromkeys(facts["problems"])]
    if facts["scrollWidth"] > WIDTH:
        visit.problems.append(
            (
                landed,
                f"scrolls sideways at {WIDTH} px (scrollWidth {facts['scrollWidth']}; too wide: "
                f"{', '.join(page.evaluate(TOO_WIDE)) or '?'})",
            )
        )
    for link in dict.fromkeys(facts["links"]):
        target = local_path(link, visit.base_url)
        if target is None or target in visit.links_seen:
            continue
        name = route_name(target)
        if name in NOT_FOLLOWED or name in downloads or visit.links_seen[f"route:{name}"] >= LINKS_PER_ROUTE:
            continue
        visit.links_seen[target] += 1
        visit.links_seen[f"route:{name}"] += 1
        answer = page.context.request.get(visit.base_url + target, max_redirects=10)
        if answer.status != 200:
            visit.problems.append((landed, f"link to {target} answers {answer.status}"))
        elif "text/html" in answer.headers.get("content-type", ""):
            visit.enqueue(target)


def crawl(page: Page, visit: Visit, downloads: set[str]) -> None:
    """Check the queued pages, and the pages their links lead to, until none is left."""
    while visit.queue:
        check_page(page, visit, visit.queue.pop(0), downloads)


def test_every_page_as_every_login_is_dutch_links_work_and_fits_320_px(  # type: ignore[no-untyped-def]
    browser: Browser, base_url: str, demo_env, demo_records, contexts
) -> None:
    started = time.monotonic()
    assert code_words(), "no code words found: are the choices still read from the models?"
    routes, skipped = discover()
    downloads = {name for name, why in skipped.items() if "download" in why}
    candidates: list[tuple[Route, list[str]]] = [(route, fill(route, demo_records)[0]) for route in routes]
    visits: list[Visit] = []
    for state in STATES:
        context = browser.new_context(locale="nl-NL", viewport={"width": WIDTH, "height": 720})
        contexts.append(context)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        set_language(context, base_url, "nl")
        page = context.new_page()
        visit = Visit(state or "anonymous", base_url)
        visits.append(visit)
        if state:
            log_in(page, base_url, demo_env, state)
        visit.enqueue(local_path(page.url, base_url) or reverse("accounts:login"))
        crawl(page, visit, downloads)
        # Pages no link led to: tried directly, with a few records each (one this login may see is enough).
        for route, urls in candidates:
            if route.name in NOT_FOLLOWED or visit.routes_seen[route.name]:
                continue
            for url in urls[:TRIES_PER_ROUTE]:
                answer = context.request.get(base_url + url, max_redirects=0)
                if answer.status >= 500:
                    visit.problems.append((url, f"server error {answer.status}"))
                if answer.status == 200 and "text/html" in answer.headers.get("content-type", ""):
                    visit.enqueue(url)
                    break
        crawl(page, visit, downloads)
        context.close()
        contexts.remove(context)

    problems = report(visits)
    print(f"\nCrawl in Dutch at {WIDTH} px: {sum(len(v.checked) for v in visits)} pages")
    for visit in visits:
        links = sum(1 for key in visit.links_seen if not key.startswith("route:"))
        print(f"  {visit.login:12} {len(visit.checked):3} pages, {links:4} links: {' '.join(sorted(visit.checked))}")
    print(f"  in {time.monotonic() - started:.1f} s")
    assert not problems, f"{len(problems)} problems (logins that met it in brackets):\n" + "\n".join(problems)


def report(visits: list[Visit]) -> list[str]:
    """One line per page and finding, with the logins that met it; at most EXAMPLES findings of a kind per page."""
    logins: dict[tuple[str, str], list[str]] = {}
    for visit in visits:
        for path, what in visit.problems:
            logins.setdefault((path, what), []).append(visit.login)
    lines, kinds = [], Counter[tuple[str, str]]()
    for (path, what), who in sorted(logins.items()):
        kind = (path, what.split(":")[0].split("'")[0])
        kinds[kind] += 1
        if kinds[kind] <= EXAMPLES:
            lines.append(f"{path}: {what} [{', '.join(dict.fromkeys(who))}]")
    lines += [f"{path}: {kind}... and {n - EXAMPLES} more" for (path, kind), n in sorted(kinds.items()) if n > EXAMPLES]
    return lines
