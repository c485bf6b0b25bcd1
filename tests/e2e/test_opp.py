"""The school's OPP work in a real browser on a phone (issue 16, point 1): the work list shows the demo's overdue yearly
evaluation, the OPP page opens from it, a handelingsdeel row is added and saved, the evaluation is recorded; the
pages have no axe-core violations and no horizontal scrolling at 320 CSS px."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from .test_accessibility import AXE, AXE_RUN, DUPLICATE_IDS, WCAG_TAGS
from .test_ib_day import log_in

pytestmark = pytest.mark.browser


def _clean(page: Page) -> None:
    """axe-core finds nothing (WCAG 2.2 AA), no id is used twice, nothing scrolls sideways at 320 px."""
    assert page.evaluate(DUPLICATE_IDS) == []
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(AXE_RUN, WCAG_TAGS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page 320 CSS px wide; the CSP is bypassed only so that axe itself can be injected."""
    context = browser.new_context(locale="nl-NL", viewport={"width": 320, "height": 800}, bypass_csp=True)
    yield context.new_page()
    context.close()


def test_the_zorgcoordinator_works_an_overdue_opp_evaluation_on_a_phone(phone: Page, base_url: str, demo_env) -> None:  # type: ignore[no-untyped-def]
    page = phone
    log_in(page, base_url, demo_env, "zorgco")  # the small demo's plans are at Kempis
    page.goto(f"{base_url}/casussen/")
    page.get_by_role("link", name="OPP-evaluaties met de ouders die eraan komen").click()
    expect(page.get_by_role("heading", name="OPP-evaluaties met de ouders")).to_be_visible()
    _clean(page)
    overdue = page.locator("#evaluations tbody tr").filter(has_text="te laat").first
    expect(overdue).to_be_visible()
    overdue.get_by_role("link").click()

    expect(page.get_by_role("heading", name="Ontwikkelingsperspectief van", exact=False)).to_be_visible()
    expect(page.locator("#evaluation-due")).to_contain_text("te laat")
    _clean(page)

    page.get_by_role("button", name="Een regel toevoegen").click()
    row = page.locator("fieldset#rij-3")
    row.get_by_label("Welke ondersteuning").fill("Faalangstreductietraining")
    row.get_by_label("Door wie", exact=True).fill("schoolmaatschappelijk werk")
    row.get_by_label("Uren per week").fill("0,5")
    row.get_by_label("Vanaf", exact=True).fill("2026-01-05")
    row.get_by_label("Tot en met", exact=True).fill("2025-12-01")
    page.get_by_role("button", name="Het OPP opslaan").click()
    expect(page.get_by_text("moet na de begindatum (vanaf) liggen").first).to_be_visible()
    _clean(page)
    page.locator("fieldset#rij-3").get_by_label("Tot en met", exact=True).fill("2026-12-01")
    page.get_by_role("button", name="Het OPP opslaan").click()
    expect(page.get_by_text("Het OPP is opgeslagen als nieuwe versie van het plan")).to_be_visible()

    page.get_by_label("Wat is afgesproken").fill(
        "Met moeder besproken: lezen gaat vooruit, rekenen blijft aandacht vragen."
    )
    page.get_by_role("button", name="De evaluatie vastleggen").click()
    expect(page.get_by_text("De evaluatie is vastgelegd")).to_be_visible()
    expect(page.locator("#evaluation-due")).not_to_contain_text("te laat")
