"""The family's door, in a real browser and by keyboard alone: a parent logs in (password, then the e-mailed
code), reads the plan, withdraws a consent and sees it take effect; a youth of 16 sees her own plan and her own
consents. Every step is reached with Tab and Enter, and the focused element is visibly marked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import manage

pytestmark = pytest.mark.browser
PASSWORD = "Rondom-demo-2026"


def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Press Tab until `target` has the focus; fail when it cannot be reached by keyboard."""
    handle = target.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("el => document.activeElement === el", handle):
            style = page.evaluate(
                "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }",
                handle,
            )
            visible = (style[0] != "none" and style[1] not in ("0px", "")) or style[2] not in ("none", "")
            assert visible, f"focus is not visible on {target}: {style}"
            return
    raise AssertionError(f"{target} cannot be reached with Tab")


def keyboard_login(page: Page, base_url: str, demo_env: dict[str, str], username: str) -> None:
    page.goto(f"{base_url}/portaal/inloggen/")
    tab_to(page, page.locator("#id_username"))
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Kijk in uw e-mail")).to_be_visible()
    code = manage(demo_env, "demo_otp", username).split()[0]
    tab_to(page, page.locator("#id_code"))
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mijn overzicht")).to_be_visible()


def test_a_parent_reads_the_plan_and_withdraws_a_consent_by_keyboard(page: Page, base_url: str, demo_env) -> None:  # type: ignore[no-untyped-def]
    keyboard_login(page, base_url, demo_env, "ouder")
    tab_to(page, page.get_by_role("link", name="Het plan van Youssef"))
    page.keyboard.press("Enter")
    expect(page.locator("#goals")).to_contain_text("Youssef gaat elke dag naar school")
    tab_to(page, page.get_by_role("link", name="Terug naar mijn overzicht"))
    page.keyboard.press("Enter")

    # Noor is 8: her parent decides. Withdraw the consent for Trias Jeugdhulp.
    noor = page.locator("li.rondom-card", has=page.get_by_role("heading", name="Noor"))
    noor_consents = noor.get_by_role("link", name="Toestemming: wie mag wat zien")
    tab_to(page, noor_consents)
    page.keyboard.press("Enter")
    row = page.locator("#consents tr", has_text="Trias Jeugdhulp")
    expect(row).to_contain_text("Ja, geldt nu")
    tab_to(page, row.get_by_role("button", name="Intrekken"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("De toestemming is ingetrokken.")).to_be_visible()
    expect(page.locator("#consents tr", has_text="Trias Jeugdhulp")).to_contain_text("Ingetrokken")

    # The withdrawal is in the file's log, with the parent as the one who changed it.
    tab_to(page, page.get_by_role("link", name="Terug naar mijn overzicht"))
    page.keyboard.press("Enter")
    tab_to(page, noor.get_by_role("link", name="Wie keek in het dossier"))
    page.keyboard.press("Enter")
    expect(page.locator("#access-log")).to_contain_text("U")


def test_a_youth_of_16_sees_her_own_plan_and_consents_by_keyboard(page: Page, base_url: str, demo_env) -> None:  # type: ignore[no-untyped-def]
    keyboard_login(page, base_url, demo_env, "mila")
    expect(page.get_by_role("heading", name="Mijn eigen dossier")).to_be_visible()
    tab_to(page, page.get_by_role("link", name="Het plan"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mijn plan")).to_be_visible()
    expect(page.locator("#goals")).to_contain_text("Ik haal mijn toetsen voor wiskunde")
    tab_to(page, page.get_by_role("link", name="Terug naar mijn overzicht"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Toestemming: wie mag wat zien"))
    page.keyboard.press("Enter")
    row = page.locator("#consents tr", has_text="Trias Jeugdhulp")
    expect(row).to_contain_text("Ja, geldt nu")
    expect(row.get_by_role("button", name="Intrekken")).to_be_visible()  # at 16 she decides herself
