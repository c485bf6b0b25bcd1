"""Rondom by keyboard alone (WCAG 2.1.1, 2.4.1, 2.4.3, 2.4.7, 2.4.11): the skip link comes first and jumps to the
content; an intern begeleider logs in (user name, password, authenticator code), goes to "Mijn leerlingen", opens
Noor Hendriks' record and the "Zorg melden" form, and records a signal, with Tab, Enter, Space and the arrow keys
only. Every element that gets the focus on the way must show it: it has a size, lies in the window and has an
outline or a focus ring."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import fresh_otp

pytestmark = pytest.mark.browser
PASSWORD = "Rondom-demo-2026"

FOCUS = """() => {
  const el = document.activeElement;
  if (el === document.body) return {element: 'body', id: ''};
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {
    element: el.outerHTML.slice(0, 120),
    id: el.id,
    width: box.width,
    height: box.height,
    inWindow: box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth,
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    ring: style.boxShadow !== 'none',
  };
}"""


def focused(page: Page) -> dict[str, Any]:
    """What has the focus now; fails when the focus is not visible. Past the last element the focus leaves the
    page for the browser's own controls (the document body is active then), and comes back at the top."""
    state: dict[str, Any] = page.evaluate(FOCUS)
    if state["element"] == "body":
        return state
    assert state["width"] > 0 and state["height"] > 0, f"the focused element has no size: {state}"
    assert state["inWindow"], f"the focused element is outside the window: {state}"
    assert state["outline"] or state["ring"], f"the focus is not visible: {state}"
    return state


def press(page: Page, key: str) -> dict[str, Any]:
    page.keyboard.press(key)
    return focused(page)


def tab_to(page: Page, target: Locator, key: str = "Tab", limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus, checking that every stop on the way shows it."""
    handle = target.element_handle()
    for _ in range(limit):
        press(page, key)
        if page.evaluate("el => document.activeElement === el", handle):
            return
    raise AssertionError(f"{target} cannot be reached with Tab")


def choose(page: Page, select: Locator, value: str, limit: int = 20) -> None:
    """Move through a focused <select> with the arrow keys until `value` is chosen."""
    for key in ("ArrowDown", "ArrowUp"):
        for _ in range(limit):
            if select.input_value() == value:
                return
            before = select.input_value()
            press(page, key)
            if select.input_value() == before:
                break  # the end of the list: go the other way
    raise AssertionError(f"{value} cannot be chosen with the arrow keys")


def test_an_intern_begeleider_records_a_signal_by_keyboard_alone(page: Page, base_url: str, demo_env) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/accounts/login/")

    # The skip link is the first stop, is shown when it has the focus, and moves the focus to the content.
    skip = press(page, "Tab")
    assert 'href="#main"' in skip["element"], f"the first stop is not the skip link: {skip}"
    expect(page.get_by_role("link", name="Naar de inhoud")).to_be_focused()
    assert press(page, "Enter")["id"] == "main"
    expect(page.locator("main")).to_be_focused()

    # Log in: the first stop in the content is the user name.
    press(page, "Tab")
    expect(page.get_by_label("Gebruikersnaam")).to_be_focused()
    page.keyboard.type("ib")
    press(page, "Tab")
    expect(page.get_by_label("Wachtwoord")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    code = page.get_by_label("Code uit uw authenticator-app")
    expect(code).to_be_visible()
    tab_to(page, code)
    page.keyboard.type(fresh_otp(demo_env, "ib"))
    page.keyboard.press("Enter")

    # Mijn leerlingen (in the header, so back up with Shift+Tab), Noor's record, "Zorg melden".
    expect(page.get_by_role("heading", name="Mijn leerlingen")).to_be_visible()
    tab_to(page, page.get_by_role("navigation").get_by_role("link", name="Mijn leerlingen"), "Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mijn leerlingen")).to_be_visible()
    tab_to(page, page.get_by_role("link", name="Noor Hendriks"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Noor Hendriks")).to_be_visible()
    tab_to(page, page.get_by_role("link", name="Zorg melden"))
    page.keyboard.press("Enter")

    # The signal: a select by arrow keys, a checkbox by Space, a text typed in, sent with Enter.
    source = page.get_by_label("Gemeld door")
    tab_to(page, source)
    choose(page, source, "parent")
    behaviour = page.get_by_label("Gedrag")
    tab_to(page, behaviour)
    press(page, "Space")
    expect(behaviour).to_be_checked()
    description = page.get_by_label("Waar maakt u zich zorgen over?")
    tab_to(page, description)
    page.keyboard.type("Noor zegt in de kring bijna niets meer.")
    tab_to(page, page.get_by_role("button", name="Signaal vastleggen"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Het signaal is vastgelegd")).to_be_visible()
    expect(page.get_by_text("Noor zegt in de kring bijna niets meer.")).to_be_visible()
