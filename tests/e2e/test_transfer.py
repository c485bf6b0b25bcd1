"""A po→vo warm transfer in a real browser (issue 16, acceptance): the demo's Daan (groep 8, De Esch) is offered to
Thomas a Kempis College with his parent's consent; the vo zorgcoördinator finds him among the incoming transfers,
opens and accepts; then she reads and can write his plan, and the po school, once its set date has passed, no
longer sees him. The new pages are axe-clean and fit 320 px."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import manage
from .test_accessibility import AXE, AXE_RUN, WCAG_TAGS
from .test_consent_withdrawal import professional_login

pytestmark = pytest.mark.browser

DAAN = """
from rondom.transfers.models import Transfer
t = Transfer.objects.get(child__given_name="Daan", child__family_name="Kuipers")
print(t.child_id, t.pk)
"""
PASS_THE_SET_DATE = """
import datetime
from rondom.transfers.models import Transfer
Transfer.objects.filter(child__given_name="Daan").update(previous_access_until=datetime.date(2000, 1, 1))
"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="nl-NL", bypass_csp=True)  # only so that axe itself can be injected
    yield context.new_page()
    context.close()


def clean(page: Page) -> None:
    """axe-core finds no violation, and at 320 px nothing scrolls sideways."""
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(AXE_RUN, WCAG_TAGS) == []
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= 320")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_po_vo_transfer_the_vo_accepts(page: Page, base_url: str, demo_env: dict[str, str]) -> None:
    child_id, transfer_id = (int(x) for x in manage(demo_env, "shell", "-c", DAAN).split()[-2:])

    # The sending school's offer form refuses a school that does not exist, in Dutch.
    professional_login(page, base_url, demo_env, "ib")
    page.goto(f"{base_url}/kinderen/{child_id}/overstap/")
    clean(page)
    page.get_by_label("Volgende school (naam of BRIN-nummer)").fill("Bestaat Niet")
    page.get_by_label("Eerste dag op de nieuwe school").fill("2030-08-20")
    page.get_by_label("Uw school leest het dossier nog mee tot en met").fill("2030-09-30")
    page.get_by_role("button", name="Overstap aanbieden").click()
    expect(page.get_by_text("Er bestaat geen school met deze naam of dit BRIN-nummer.").first).to_be_visible()
    clean(page)
    page.goto(f"{base_url}/kinderen/{child_id}/overstap/{transfer_id}/")
    expect(page.get_by_role("link", name="Onderwijskundig rapport downloaden (pdf)")).to_be_visible()
    page.get_by_role("button", name="Uitloggen").click()

    # The vo zorgcoördinator: incoming list, the transfer (its receipt), accept.
    professional_login(page, base_url, demo_env, "zorgco")
    page.goto(f"{base_url}/overstap/")
    clean(page)
    page.get_by_role("link", name="Daan Kuipers").click()
    expect(page.locator("#transfer-state")).to_have_text("Aangeboden")
    clean(page)
    page.get_by_role("button", name="Aanvaarden").click()
    expect(page.get_by_text("U hebt de overstap aanvaard.")).to_be_visible()
    page.goto(f"{base_url}/kinderen/{child_id}/plan/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{base_url}/kinderen/{child_id}/")
    expect(page.locator("#transfer-status")).to_contain_text("Aanvaard")
    page.get_by_role("button", name="Uitloggen").click()

    # The po school reads along until its set date; after it, Daan is not there for it.
    professional_login(page, base_url, demo_env, "ib")
    assert page.goto(f"{base_url}/kinderen/{child_id}/").status == 200
    manage(demo_env, "shell", "-c", PASS_THE_SET_DATE)
    assert page.goto(f"{base_url}/kinderen/{child_id}/").status == 404
