"""An intern begeleider plans a support-team meeting from a case page, in a real browser (issue 14, point 6): the
case goes on a new meeting with time and place in a few clicks; the meeting page lists it; the minutes, a decision
and an action for the teacher with a due date are recorded; the teacher logs in and finds the action under
"Mijn acties". Dates are relative to the demo's today (the demo is built for the day the tests run)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from .conftest import manage
from .test_ib_day import log_in

pytestmark = pytest.mark.browser
CHILD = "Fenna Visscher"
#: A pupil of De Esch whom no other browser test uses, with a signal, the conversation and a case put to the team by
#: the ib'er (what the case page's own forms do; test_ib_day walks them in the browser).
SEED = """
from datetime import timedelta
from django.utils import timezone
from rondom.accounts.models import Organisation, User
from rondom.cases import services
from rondom.registry.models import Child, SchoolGroup
if not Child.objects.filter(given_name="Fenna", family_name="Visscher").exists():
    esch = Organisation.objects.get(name="Basisschool De Esch")
    ib = User.objects.get(username="ib")
    today = timezone.localdate()
    # In the group the teacher teaches (issue 15: a teacher sees the pupils of her own group only).
    group = SchoolGroup.objects.get(school=esch, teachers__membership__user__username="leerkracht",
                                    teachers__ended_on__isnull=True)
    child = Child.objects.create(given_name="Fenna", family_name="Visscher", date_of_birth=today - timedelta(days=3300),
                                 school=esch, group=group.name, school_group=group, home_municipality=esch.municipality)
    signal = services.raise_signal(ib, child, source="teacher", concerns=["learning"],
                                   description="Fenna loopt vast bij rekenen.")
    services.record_conversation(ib, signal, on=today, notes="Ouders herkennen het.", with_child=False)
    services.register_case(ib, signal, question="Wat helpt Fenna bij rekenen?")
"""


def test_the_ib_plans_a_meeting_from_the_case_page_and_the_owner_sees_the_action(
    page: Page, base_url: str, demo_env: dict[str, str]
) -> None:
    today = date.today()  # the demo server's today: `load_demo` builds the demo for it
    manage(demo_env, "shell", "-c", SEED)
    child_name = CHILD
    log_in(page, base_url, demo_env, "ib")

    # 1. The case page, from "Mijn casussen".
    page.get_by_role("link", name="Mijn casussen").click()
    page.get_by_role("link", name=CHILD).first.click()
    expect(page.get_by_role("heading", name="Overleggen van het ondersteuningsteam")).to_be_visible()
    expect(page.get_by_text("Niet geagendeerd voor een overleg van het ondersteuningsteam.")).to_be_visible()

    # 2. On the agenda of a new meeting, from the case page itself.
    section = page.locator("section", has=page.get_by_role("heading", name="Overleggen van het ondersteuningsteam"))
    details = section.locator("details")
    if details.get_attribute("open") is None:
        section.get_by_text("Op de agenda zetten", exact=True).first.click()
    section.get_by_label("Overleg", exact=True).select_option(label="Een nieuw overleg (hieronder invullen)")
    meeting_day = today + timedelta(days=9)
    section.get_by_label(re.compile("^Nieuw overleg: datum")).fill(meeting_day.isoformat())
    section.get_by_label("Nieuw overleg: begintijd").fill("15:30")
    section.get_by_label("Nieuw overleg: plaats of online link").fill("Lokaal 7")
    section.get_by_label(re.compile("Lotte de Vries")).check()
    section.get_by_role("button", name="Op de agenda zetten").click()
    expect(page.get_by_text("De casus staat op de agenda van")).to_be_visible()
    section = page.locator("section", has=page.get_by_role("heading", name="Overleggen van het ondersteuningsteam"))
    expect(section.get_by_text(re.compile(r"Op de agenda: .*15:30, Lokaal 7"))).to_be_visible()

    # 3. The meeting page lists the case; the case's own page takes minutes, a decision and an action.
    section.get_by_text(re.compile(r"Op de agenda: .*15:30, Lokaal 7")).locator("..").get_by_role(
        "link", name="verslag, besluiten en acties"
    ).click()
    page.get_by_role("link", name="Het hele overleg").click()
    expect(page.get_by_role("heading", name="Overleg ondersteuningsteam")).to_be_visible()
    expect(page.get_by_text("15:30, Lokaal 7").first).to_be_visible()
    page.get_by_role("link", name=child_name).click()

    page.get_by_role("textbox", name="Verslag", exact=True).fill(
        "Besproken met ouders en leerkracht; het gaat beter in de klas."
    )
    page.get_by_role("checkbox", name="Ingrid Bos").check()
    page.get_by_role("button", name="Verslag opslaan").click()
    expect(page.get_by_text("Het verslag is opgeslagen.")).to_be_visible()
    expect(page.get_by_text("het gaat beter in de klas").first).to_be_visible()

    page.get_by_role("textbox", name=re.compile(r"^Besluit( |$)")).fill("Zes weken extra begeleiding bij rekenen.")
    page.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_text("Het besluit is vastgelegd.")).to_be_visible()

    action_text = f"Observatie rekenles {meeting_day.isoformat()}"
    page.get_by_role("textbox", name=re.compile(r"^Actie( |$)")).fill(action_text)
    owner = (
        page.get_by_label(re.compile("^Eigenaar")).locator("option", has_text="Lotte de Vries").get_attribute("value")
    )
    page.get_by_label(re.compile("^Eigenaar")).select_option(owner)
    page.get_by_label(re.compile("^Uiterlijk klaar op")).fill((today + timedelta(days=12)).isoformat())
    page.get_by_role("button", name="Actie toevoegen").click()
    expect(page.get_by_text("De actie is vastgelegd")).to_be_visible()
    page.get_by_role("button", name="Uitloggen").click()

    # 4. The owner finds it in "Mijn acties" and marks it done.
    log_in(page, base_url, demo_env, "leerkracht")
    page.get_by_role("link", name=re.compile("^Mijn acties")).click()
    row = page.locator("main table tbody tr", has_text=action_text)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(child_name)
    row.get_by_role("button", name=re.compile("^Klaar")).click()
    expect(page.get_by_text("De actie is afgevinkt.")).to_be_visible()
    expect(page.locator("main table tbody tr", has_text=action_text)).to_have_count(0)
