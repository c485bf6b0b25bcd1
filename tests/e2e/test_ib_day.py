"""An intern begeleider's day, in a real browser: signal, team agenda, a plan with two education goals, the
parents' agreement, bringing in a provider; the provider's contact then sees that child and no other."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from .conftest import fresh_otp

pytestmark = pytest.mark.browser
PASSWORD = "Rondom-demo-2026"


def log_in(page: Page, base_url: str, demo_env: dict[str, str], username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(
        page.get_by_label("Code uit uw authenticator-app"), f"{username}: no second step after the password"
    ).to_be_visible()
    # A code not yet used: one user may log in twice within one 30-second step (two tests in a row).
    page.get_by_label("Code uit uw authenticator-app").fill(fresh_otp(demo_env, username))
    page.get_by_role("button", name="Bevestigen").click()
    # The children list's name fits the role (issue 14): "Mijn leerlingen" for school staff, else "Leerlingen".
    expect(page.get_by_role("heading", name=re.compile(r"^(Mijn leerlingen|Leerlingen)$"))).to_be_visible()


def test_the_ib_brings_in_a_provider_who_then_sees_that_child_only(page: Page, base_url: str, demo_env) -> None:  # type: ignore[no-untyped-def]
    log_in(page, base_url, demo_env, "ib")
    page.get_by_role("link", name="Noor Hendriks").click()
    page.get_by_role("link", name="Zorg melden").click()

    # 1. Record a signal, then the conversation with the parents, then put it to the support team.
    page.get_by_label("Gemeld door").select_option("teacher")
    page.get_by_label("Gedrag").check()
    page.get_by_label("Waar maakt u zich zorgen over?").fill("Noor trekt zich terug en huilt vaak in de pauze.")
    page.get_by_role("button", name="Signaal vastleggen").click()
    expect(page.get_by_text("Het signaal is vastgelegd")).to_be_visible()
    page.get_by_label("Wat is er besproken").fill("Moeder herkent het; thuis spanningen na een verhuizing.")
    page.get_by_role("button", name="Gesprek vastleggen").click()
    page.get_by_label("Vraag aan het ondersteuningsteam").fill("Wat heeft Noor nodig om weer mee te doen?")
    page.get_by_role("button", name="Voorleggen aan het ondersteuningsteam").click()
    expect(page.get_by_text("Aangemeld").first).to_be_visible()

    # 2. Put the case on the agenda of the next support team meeting.
    page.get_by_role("link", name="Ondersteuningsteam").first.click()
    page.get_by_label("Datum van het overleg").fill((date.today() + timedelta(days=7)).isoformat())
    page.get_by_label("Begintijd").fill("15:00")
    page.get_by_role("button", name="Plan", exact=True).click()
    # The demo has meetings of its own: put Noor on the first one listed (every meeting of De Esch's team will do).
    first = page.locator("section.rondom-card").filter(has=page.get_by_label("Casus")).first
    noor_case = first.get_by_label("Casus").locator("option", has_text="Noor Hendriks").get_attribute("value")
    first.get_by_label("Casus").select_option(noor_case)
    first.get_by_label(re.compile("Sanne Mulder")).check()
    first.get_by_role("button", name="Op de agenda zetten").click()
    expect(page.get_by_text("De casus staat op de agenda.")).to_be_visible()

    # 3. A plan with treatment and two education goals.
    page.get_by_role("link", name="Noor Hendriks").first.click()
    page.get_by_role("link", name="Plan schrijven of aanpassen").click()
    page.get_by_label("Het plan bevat behandeling door een jeugdhulpaanbieder").check()
    goals = [
        ("school", "Doet weer mee in de kring", "Elke dag een bijdrage", "juf Lotte"),
        ("school", "Vraagt hulp bij rekenen", "Twee keer per week", "juf Lotte"),
        ("home", "Slaapt op tijd", "Vijf avonden per week voor half negen", "moeder"),
    ]
    for i, (domain, description, target, owner) in enumerate(goals, start=1):
        if i == 3:  # a new plan starts with two goals; one more by "Doel toevoegen" (issue 14)
            page.get_by_role("button", name="Doel toevoegen").click()
        page.get_by_label(f"Doel {i}: domein").select_option(domain)
        page.get_by_label(f"Doel {i}: wat willen we bereiken?").fill(description)
        page.get_by_label(f"Doel {i}: concreet streven").fill(target)
        page.get_by_label(f"Doel {i}: eigenaar", exact=True).fill(owner)
    page.get_by_role("button", name="Plan opslaan").click()
    expect(page.get_by_text("Het plan is opgeslagen")).to_be_visible()

    # 4. The parents agree.
    page.get_by_role("combobox", name=re.compile("^Wie")).select_option("parent")
    page.get_by_label("Naam").fill("Olga Hendriks")
    page.get_by_label("Stemt in met het plan").check()
    page.get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_text("Olga Hendriks: stemt in")).to_be_visible()

    # 5. Bring in Trias Jeugdhulp's named person.
    page.get_by_role("link", name="Hulp erbij halen").click()
    page.get_by_label("Aanbieder").select_option(label="Trias Jeugdhulp")
    page.get_by_role("textbox", name=re.compile("^Vraag")).fill("Kan de vaste contactpersoon meekijken in de klas?")
    page.get_by_label("Toestemming van het gezin").select_option(index=1)
    page.get_by_label("Jeugdhulp").check()
    page.get_by_role("button", name="Hulpvraag versturen").click()
    expect(page.get_by_text("De hulpvraag is naar de contactpersoon")).to_be_visible()
    page.get_by_role("button", name="Uitloggen").click()

    # The provider's contact person sees the request, joins, and then sees Noor and no other child.
    log_in(page, base_url, demo_env, "aanbieder")
    page.get_by_role("link", name="Hulpvragen").click()
    expect(page.get_by_role("heading", name=re.compile("Noor"))).to_be_visible()
    page.get_by_role("button", name="Aansluiten").click()
    expect(page.get_by_text("U bent aangesloten")).to_be_visible()
    # A provider works for the pupils of many schools: the menu says "Leerlingen", not "Mijn leerlingen".
    page.get_by_role("navigation").get_by_role("link", name="Leerlingen", exact=True).click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Noor Hendriks")
