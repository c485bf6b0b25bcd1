"""The samenwerkingsverband's loket and orthopedagoog in a real browser (issue 16, part 3), at 320 px wide: the
queue (overdue marked) and a request page have no axe-core violations and no duplicate ids; the orthopedagoog
advises on a submitted TLV through the page and the loket sees the advice."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_forms_keep_input import accessibility_problems
from .test_ib_day import log_in

pytestmark = pytest.mark.browser


def test_the_loket_queue_and_a_request_are_accessible_and_the_expert_advises(
    page: Page, base_url: str, demo_env: dict[str, str]
) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    log_in(page, base_url, demo_env, "orthopedagoog")
    page.get_by_role("link", name="Aanvragen samenwerkingsverband").click()
    expect(page.get_by_role("heading", name="Aanvragen samenwerkingsverband", exact=True)).to_be_visible()
    assert page.locator('tr[data-overdue="1"]').count() >= 1
    assert accessibility_problems(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    submitted = page.locator("#requests tbody tr", has_text="Ingediend").filter(has_text="Toelaatbaarheidsverklaring")
    submitted.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Geef uw advies")).to_be_visible()
    assert accessibility_problems(page) == []
    page.get_by_label("Uw deskundigheid").select_option("orthopedagoog")
    page.get_by_label("Ja").check()
    page.get_by_role("textbox", name="Advies").fill("Onderzoek bevestigt een blijvende ondersteuningsbehoefte.")
    page.get_by_role("button", name="Advies vastleggen").click()
    expect(page.get_by_text("Uw advies is vastgelegd.")).to_be_visible()
    expect(page.get_by_text("Onderzoek bevestigt een blijvende ondersteuningsbehoefte.")).to_be_visible()
    request_url = page.url
    page.get_by_role("button", name="Uitloggen").click()

    log_in(page, base_url, demo_env, "loket")
    page.goto(request_url)
    expect(page.get_by_role("heading", name="Besluiten")).to_be_visible()
    expect(page.get_by_text("Onderzoek bevestigt een blijvende ondersteuningsbehoefte.")).to_be_visible()
    assert accessibility_problems(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
