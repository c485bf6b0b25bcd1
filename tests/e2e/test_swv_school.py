"""A request to the samenwerkingsverband from the school's side, in a real browser (issue 16, part 3): the intern
begeleider opens the form from Noor's case page, sees the OPP it will send without typing it again, sends a TLV
request; the parent sees the decision with the right to object in the portal. axe-core finds nothing on the three
pages, and they fit 320 px."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import STEP_TIMEOUT_MS, manage
from .test_accessibility import AXE, AXE_RUN, WCAG_TAGS
from .test_consent_withdrawal import parent_login, professional_login

pytestmark = pytest.mark.browser

#: Noor's plan becomes an OPP, and the parents consent to sharing it with the demo's samenwerkingsverband.
SET_UP = """
from rondom.cases.models import Plan
from rondom.consent.models import Consent, ConsentGiver
from rondom.registry.models import Child
noor = Child.objects.get(given_name="Noor", family_name="Hendriks")
swv = noor.school.samenwerkingsverband
plan, _ = Plan.objects.get_or_create(child=noor, defaults={"version": 1, "content": {"goals": []}})
plan.content = {**plan.content, "opp": {"uitstroombestemming": "vmbo basis", "onderbouwing": "Leerrendement laag.",
    "onderwijsbehoeften": "Kleine groep met vaste structuur.", "handelingsdeel": []}}
plan.version = max(plan.version, 1)
plan.opp_basis = "extra_support"
plan.save()
consent = Consent.objects.create(child=noor, purpose="swv", categories=["identity", "support"], recipient=swv)
for g in noor.guardianships.filter(has_authority=True):
    ConsentGiver.objects.create(consent=consent, capacity="parent", guardianship=g)
print(noor.pk)
"""

DECIDE = """
from django.utils import timezone
from rondom.swv.models import SwvRequest
r = SwvRequest.objects.filter(child_id={child}).latest("pk")
SwvRequest.objects.filter(pk=r.pk).update(state="granted", decided_at=timezone.now(), beschikkingsnummer="E2E-0001",
    tlv_category="low", valid_from=r.received_on, decision_reason="Beide deskundigen adviseren het.")
"""


def accessible_at_320(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(AXE_RUN, WCAG_TAGS) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="nl-NL", bypass_csp=True)  # only so that axe itself can be injected
    context.set_default_timeout(STEP_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_the_ib_er_sends_a_tlv_request_and_the_parent_sees_the_decision(
    page: Page, base_url: str, demo_env: dict[str, str]
) -> None:
    noor = int(manage(demo_env, "shell", "-c", SET_UP).split()[-1])
    professional_login(page, base_url, demo_env, "ib")
    page.goto(f"{base_url}/kinderen/{noor}/casus/")
    page.get_by_role("link", name="Aanvraag bij het samenwerkingsverband").click()
    expect(page.get_by_text("Kleine groep met vaste structuur.")).to_be_visible()
    accessible_at_320(page)
    page.get_by_label("Wat vraagt u het samenwerkingsverband?").select_option("tlv")
    page.get_by_label("Vraag aan het samenwerkingsverband").fill("Wij vragen een TLV voor het SBO.")
    page.get_by_role("button", name="Versturen naar het samenwerkingsverband").click()
    expect(page.get_by_text("De aanvraag is verstuurd.")).to_be_visible()
    expect(page.get_by_text("Wij vragen een TLV voor het SBO.")).to_be_visible()
    accessible_at_320(page)
    page.get_by_role("button", name="Uitloggen").click()

    manage(demo_env, "shell", "-c", DECIDE.format(child=noor))
    parent_login(page, base_url, demo_env, "ouder")
    page.goto(f"{base_url}/portaal/kind/{noor}/")
    page.get_by_role("link", name="Aanvragen bij het samenwerkingsverband en besluiten").click()
    expect(page.get_by_text("E2E-0001")).to_be_visible()
    # Noor has more decisions (the demo's, other tests'): the right to object of this one.
    ours = page.locator(".rondom-swv-decision", has_text="E2E-0001")
    ours.get_by_text("Bent u het er niet mee eens? Uw recht op bezwaar").click()
    expect(ours.get_by_text("Landelijke Geschillencommissie Passend Onderwijs", exact=False)).to_be_visible()
    accessible_at_320(page)
