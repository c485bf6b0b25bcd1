"""A policy officer of the gemeente opens the monitoring dashboard, chooses a pilot, and downloads its
accountability report; the PDF opens and shows the same figures as the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .test_ib_day import log_in

pytestmark = pytest.mark.browser


def test_policy_officer_filters_a_pilot_and_downloads_its_report(page: Page, base_url: str, demo_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    log_in(page, base_url, demo_env, "beleid")
    page.get_by_role("link", name="Monitoring").first.click()
    expect(page.get_by_role("heading", name="Monitoring van de proeftuinen")).to_be_visible()

    page.get_by_label("Proeftuin", exact=True).select_option(label="Samen in de wijk")
    page.get_by_label("Uitsplitsen", exact=True).select_option("school")
    page.get_by_role("button", name="Toon").click()
    table = page.locator("#indicators")
    expect(table.locator("caption")).to_contain_text("Samen in de wijk")
    expect(page.locator("#breakdown-table")).to_contain_text("De Esch")
    row = table.locator("tr", has_text="Aantal thuiszitters")
    # the count on its first line, its rate per 100 pupils under it
    shown = row.locator("td").first.inner_text().strip().splitlines()
    thuiszitters = shown[0].strip()
    assert thuiszitters  # a number, a dash or "afgeschermd (<5)": whatever the page shows, the PDF shows too
    assert thuiszitters.startswith("afgeschermd") or "per 100 leerlingen" in shown[-1]
    expect(page.locator("#monitoring-sizes")).to_contain_text("leerlingen")

    # Both charts are drawn by Chart.js from the page's JSON (the strict CSP allows it: no eval, no inline script).
    for chart in ("#bars-chart", "#trend-chart"):
        expect(page.locator(chart)).to_be_visible()
        assert page.eval_on_selector(chart, "c => Boolean(c.rondomChart) && c.width > 0")
    page.screenshot(path=str(tmp_path / "monitoring.png"), full_page=True)
    page.locator("#bars-chart").screenshot(path=str(tmp_path / "bars.png"))
    page.locator("#trend-chart").screenshot(path=str(tmp_path / "trend.png"))
    # On a phone (320 CSS px) the charts shrink with the page: no horizontal scrolling.
    page.set_viewport_size({"width": 320, "height": 800})
    width = "document.documentElement.scrollWidth"
    for _frame in range(50):  # Chart.js resizes on its next frames (a polled check: the CSP forbids eval)
        if page.evaluate(width) <= 320:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(width) <= 320
    page.locator("#bars-chart").screenshot(path=str(tmp_path / "bars-320.png"))
    page.set_viewport_size({"width": 1280, "height": 800})

    with page.expect_download() as download:
        page.get_by_role("link", name="Verantwoordingsrapportage").click()
    path = tmp_path / "rapport.pdf"
    download.value.save_as(path)
    reader = PdfReader(path)
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert reader.metadata is not None and "Samen in de wijk" in (reader.metadata.title or "")
    assert "Samen in de wijk" in text and "Aantal thuiszitters" in text
    assert f"in het schooljaar {thuiszitters} " in text


def test_the_budget_chart_writes_each_amount_and_marks_a_year_without_figures(
    page: Page, base_url: str, demo_env, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    log_in(page, base_url, demo_env, "beleid")
    page.goto(f"{base_url}/monitoring/pilots/")
    page.get_by_role("link", name="Budget van Samen in de wijk").click()
    chart = page.locator("#budget-chart")
    expect(chart).to_be_visible()
    assert page.eval_on_selector("#budget-chart", "c => Boolean(c.rondomChart) && c.width > 0")
    data = page.eval_on_selector("#budget-data", "e => JSON.parse(e.textContent)")
    budgets, actual = data["series"]
    dutch_money = re.compile(r"^€\u00a0-?\d{1,3}(\.\d{3})*(,\d\d)?$")  # "€ 1.250.000", "€ 961.081,27"
    assert budgets["texts"] and all(dutch_money.match(text) for text in budgets["texts"]), budgets["texts"]
    assert None in actual["values"] and data["missing"] == "nog geen cijfers"  # a year without figures: marked
    chart.screenshot(path=str(tmp_path / "budget.png"))


def test_the_chart_pages_have_no_axe_violations_with_their_charts_drawn(browser, base_url: str, demo_env) -> None:  # type: ignore[no-untyped-def]
    from .test_accessibility import AXE, AXE_RUN, WCAG_TAGS

    context = browser.new_context(locale="nl-NL", bypass_csp=True)  # only so that axe itself can be injected
    try:
        page = context.new_page()
        log_in(page, base_url, demo_env, "beleid")
        for path, chart in (("/monitoring/", "#bars-chart"), ("/monitoring/pilots/", None)):
            page.goto(base_url + path)
            if chart:
                page.wait_for_function(f"Boolean(document.querySelector('{chart}').rondomChart)")
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(AXE_RUN, WCAG_TAGS)
            assert violations == [], violations
        page.get_by_role("link", name="Budget van Samen in de wijk").click()
        page.wait_for_function("Boolean(document.querySelector('#budget-chart').rondomChart)")
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_RUN, WCAG_TAGS) == []
    finally:
        context.close()
