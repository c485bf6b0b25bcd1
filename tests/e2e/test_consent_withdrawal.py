"""A consent withdrawal tells the whole story (issue 14, item 5), in a real browser: a parent withdraws the consent
on which a wijkteam worker sits in Noor's support team; the intern begeleider's case page then shows that worker's
access ended and the withdrawal on the timeline, and the wijkteam worker finds a notice (without Noor's name) among
his notifications. No step depends on the date: the page is read for what it says, not for which day."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import fresh_otp, manage

pytestmark = pytest.mark.browser
PASSWORD = "Rondom-demo-2026"
WIJKTEAM = "Sociaal wijkteam Zwolle-Noord"

#: The family agreed that the wijkteam joins Noor's support team; Wim Jansen (wijkteam) takes the seat. Its own
#: consent (for the support team, not for erbij halen), so that the other browser tests' consents stay as they are.
SEAT_ON_CONSENT = f"""
from rondom.access.models import TeamMembership
from rondom.accounts.models import Membership
from rondom.consent.models import Consent, ConsentGiver
from rondom.registry.models import Child
noor = Child.objects.get(given_name="Noor", family_name="Hendriks")
wim = Membership.objects.get(user__username="wijkteam")
assert wim.organisation.name == {WIJKTEAM!r}
consent = Consent.objects.create(child=noor, purpose="support_team", categories=["support"], recipient=wim.organisation)
mother = noor.guardianships.get(user__username="ouder")
ConsentGiver.objects.create(consent=consent, capacity="parent", guardianship=mother)
TeamMembership.objects.create(child=noor, membership=wim, consent=consent)
print(noor.pk)
"""


def professional_login(page: Page, base_url: str, demo_env: dict[str, str], username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit uw authenticator-app").fill(fresh_otp(demo_env, username))
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def parent_login(page: Page, base_url: str, demo_env: dict[str, str], username: str) -> None:
    page.goto(f"{base_url}/portaal/inloggen/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.get_by_role("heading", name="Kijk in uw e-mail")).to_be_visible()
    page.locator("#id_code").fill(manage(demo_env, "demo_otp", username).split()[0])
    page.locator("#id_code").press("Enter")
    expect(page.get_by_role("heading", name="Mijn overzicht")).to_be_visible()


def test_a_withdrawal_shows_on_the_case_page_and_in_the_workers_notifications(
    page: Page, base_url: str, demo_env: dict[str, str]
) -> None:
    noor_id = int(manage(demo_env, "shell", "-c", SEAT_ON_CONSENT).split()[-1])
    case_page = f"{base_url}/kinderen/{noor_id}/casus/"

    # Before: the wijkteam worker is active in Noor's network.
    professional_login(page, base_url, demo_env, "ib")
    page.goto(case_page)
    expect(page.locator("table tr", has_text="Wim Jansen")).to_contain_text("ja")
    page.get_by_role("button", name="Uitloggen").click()

    # The parent withdraws the consent in the portal.
    parent_login(page, base_url, demo_env, "ouder")
    noor = page.locator("li.rondom-card", has=page.get_by_role("heading", name="Noor"))
    noor.get_by_role("link", name="Toestemming: wie mag wat zien").click()
    row = page.locator("#consents tr", has_text=WIJKTEAM)
    expect(row).to_contain_text("Ja, geldt nu")
    row.get_by_role("button", name="Intrekken").click()
    expect(page.get_by_text("De toestemming is ingetrokken.")).to_be_visible()
    expect(page.locator("#consents tr", has_text=WIJKTEAM)).to_contain_text("Ingetrokken")
    page.context.clear_cookies()

    # The ib'er's case page: the worker's access ended, and the timeline says so, with who withdrew.
    professional_login(page, base_url, demo_env, "ib")
    page.goto(case_page)
    expect(page.locator("table tr", has_text="Wim Jansen")).to_contain_text(
        re.compile(r"Toegang beëindigd op \d{1,2} \w+ \d{4} \(toestemming ingetrokken\)")
    )
    entry = page.locator("#h-timeline + ol li", has_text="Toestemming ingetrokken").filter(has_text=WIJKTEAM)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("de ouders")
    page.get_by_role("button", name="Uitloggen").click()

    # The wijkteam worker is told, without the child's name, and no longer sees Noor.
    professional_login(page, base_url, demo_env, "wijkteam")
    page.goto(f"{base_url}/meldingen/")
    notice = page.locator("li", has_text="Toegang tot een leerling beëindigd")
    expect(notice).to_have_count(1)
    expect(notice).not_to_contain_text("Noor")
    response = page.goto(case_page)
    assert response is not None and response.status == 404
