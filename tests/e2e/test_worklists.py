"""Leerplicht works the absence signals as a work list, in a real browser (issue 14, acceptance): the overdue signals
come first and say "Te laat" in words, the list pages ("1–25 van N", page 2) and filters by school.

The small demo has a handful of signals, so the test adds 32 for leerplicht's pupils, with due dates relative to the
demo server's own today (10 of them past it), and removes them afterwards. Nothing here reads the wall clock: what is
overdue is read from the page and checked against the page's own order."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from .conftest import manage
from .test_ib_day import log_in

pytestmark = pytest.mark.browser

#: A marker value no protocol writes, so the test removes exactly the signals it made.
MARKER = "99.9"
SEED = f"""
from datetime import timedelta
from django.utils import timezone
from rondom.access.policy import children_in_scope
from rondom.accounts.models import User
from rondom.attendance.models import AbsenceProtocol, ThresholdSignal
today = timezone.localdate()
officer = User.objects.get(username="leerplicht")
children = list(children_in_scope(officer).order_by("pk"))
protocols = list(AbsenceProtocol.objects.filter(signal_role="leerplicht_officer").order_by("pk"))
for i in range(32):
    ThresholdSignal.objects.create(
        child=children[i % len(children)],
        protocol=protocols[i % len(protocols)],
        role="leerplicht_officer",
        period_start=today - timedelta(days=400 + i),
        crossed_on=today - timedelta(days=300 + i),
        value={MARKER},
        due_on=today + timedelta(days=i - 10),
    )
"""
CLEAN = f"""
from rondom.attendance.models import ThresholdSignal
ThresholdSignal.objects.filter(value={MARKER}).delete()
"""


@pytest.fixture
def many_signals(demo_env: dict[str, str]) -> Iterator[None]:
    manage(demo_env, "shell", "-c", SEED)
    yield
    manage(demo_env, "shell", "-c", CLEAN)


def _rows(page: Page) -> list[tuple[str, bool]]:
    """(due date, marked "Te laat") for each row of the signals table, in order."""
    rows = page.locator("#signals tbody tr")
    return [
        (rows.nth(i).get_attribute("data-due") or "", rows.nth(i).get_attribute("data-overdue") == "1")
        for i in range(rows.count())
    ]


def test_leerplicht_works_overdue_signals_first_pages_and_filters_by_school(
    page: Page, base_url: str, demo_env, many_signals
) -> None:  # type: ignore[no-untyped-def]
    log_in(page, base_url, demo_env, "leerplicht")
    # Not "Mijn leerlingen": leerplicht works for the pupils of many schools.
    expect(page.get_by_role("navigation").get_by_role("link", name="Leerlingen", exact=True)).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Verzuimsignalen").click()
    expect(page.get_by_role("heading", name="Verzuimsignalen")).to_be_visible()

    # Page 1: a true count, the overdue ones first, each marked in words.
    count = page.locator("#pager-count")
    expect(count).to_have_text(re.compile(r"^1–25 van \d+$"))
    total = int(count.inner_text().split()[-1])
    assert total >= 32
    rows = _rows(page)
    assert len(rows) == 25
    dues = [due for due, _late in rows]
    assert dues == sorted(dues), "the list runs by act-before date"
    marks = [late for _due, late in rows]
    late = marks.count(True)  # the 10 made overdue here, and any the demo's own import made
    assert late >= 10 and marks == [True] * late + [False] * (25 - late), "overdue first, and only they marked"
    overdue = page.locator("#signals tbody tr[data-overdue='1']")
    for i in range(overdue.count()):
        expect(overdue.nth(i)).to_contain_text("Te laat")
    expect(page.locator("#signals tbody tr:not([data-overdue])").first).not_to_contain_text("Te laat")

    # Page 2: the rest, none overdue.
    page.get_by_role("link", name="Volgende pagina").click()
    expect(count).to_have_text(f"26–{min(total, 50)} van {total}")
    assert not any(late for _due, late in _rows(page))
    assert _rows(page)[0][0] >= dues[-1]

    # One school only: every row is a pupil of that school, the count says how many.
    page.get_by_label("School", exact=True).select_option(label="Basisschool De Esch")
    page.get_by_role("button", name="Toon").click()
    expect(count).to_have_text(re.compile(r"^1–\d+ van \d+$"))
    schools = page.locator("#signals tbody td[data-label='School']")
    assert schools.count() > 0
    for i in range(schools.count()):
        expect(schools.nth(i)).to_have_text("Basisschool De Esch")
    assert int(count.inner_text().split()[-1]) < total
    expect(page.get_by_label("School", exact=True)).to_have_value(re.compile(r"^\d+$"))  # the filter stays chosen
