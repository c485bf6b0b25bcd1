"""A validation error keeps every typed value (issue 14, acceptance), in a real browser: the ib'er writes a plan with
several goals and an evaluation date in the past, sees the error summary at the top (with the focus on it), finds
everything typed still there, fixes the date and saves; on the case page the step selector keeps the chosen step
after an error, so a second click takes that step and not the first one of the list."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .test_accessibility import AXE, AXE_RUN, DUPLICATE_IDS, WCAG_TAGS
from .test_ib_day import log_in

pytestmark = pytest.mark.browser


def child_id(demo_env: dict[str, str], given: str, family: str) -> int:
    """The demo child's id, read from the demo database (the list pages may page or sort differently)."""
    database = Path(demo_env["RONDOM_VAR_DIR"]) / "rondom.sqlite3"
    with closing(sqlite3.connect(database)) as db:
        row = db.execute(
            "SELECT id FROM registry_child WHERE given_name = ? AND family_name = ?", (given, family)
        ).fetchone()
    assert row is not None, f"{given} {family} is not in the demo data"
    return int(row[0])


def accessibility_problems(page: Page) -> list[str]:
    """axe-core's WCAG 2.2 AA violations and duplicate ids on the page as it is now (the error state)."""
    problems = [f"duplicate id {d!r}" for d in page.evaluate(DUPLICATE_IDS)]
    # Evaluated through the browser's devtools protocol: the page's strict CSP refuses an injected <script>.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return problems + [f"{v['id']}: {v['help']} — {v['targets']}" for v in page.evaluate(AXE_RUN, WCAG_TAGS)]


GOALS = [
    ("school", "Doet mee in de kring", "Elke dag een bijdrage\nen steekt zelf de vinger op", "juf Lotte", "Check-in"),
    ("school", "Vraagt hulp bij rekenen", "Twee keer per week", "meester Bas", "Rekenmaatje"),
    ("home", "Slaapt op tijd", "Vijf avonden per week\nvoor half negen in bed", "moeder", "Slaaptips van Trias"),
]


def fill_goal(page: Page, n: int, goal: tuple[str, str, str, str, str]) -> None:
    domain, description, target, owner, support = goal
    page.get_by_label(f"Doel {n}: domein").select_option(domain)
    page.get_by_label(f"Doel {n}: wat willen we bereiken?").fill(description)
    page.get_by_label(f"Doel {n}: concreet streven").fill(target)
    page.get_by_label(f"Doel {n}: eigenaar", exact=True).fill(owner)
    page.get_by_label(f"Doel {n}: welke steun of hulp").fill(support)


def test_the_plan_form_keeps_every_typed_value_after_an_error(page: Page, base_url: str, demo_env) -> None:  # type: ignore[no-untyped-def]
    log_in(page, base_url, demo_env, "ib")
    page.goto(f"{base_url}/kinderen/{child_id(demo_env, 'Emma', 'Meijer')}/plan/")

    # Two goals to start with; a third one by "Doel toevoegen" (a round trip that keeps what was typed).
    fill_goal(page, 1, GOALS[0])
    fill_goal(page, 2, GOALS[1])
    page.get_by_role("button", name="Doel toevoegen").click()
    expect(page.get_by_label("Doel 3: domein")).to_be_focused()
    expect(page.get_by_label("Doel 1: wat willen we bereiken?")).to_have_value(GOALS[0][1])
    fill_goal(page, 3, GOALS[2])
    page.get_by_label("Het plan bevat behandeling door een jeugdhulpaanbieder").check()
    page.get_by_label("Volgende evaluatie van het plan").fill("2019-05-01")
    page.get_by_role("button", name="Plan opslaan").click()

    # The error summary at the top, with the focus on it and a link to the field.
    summary = page.locator("[data-error-summary]")
    expect(summary.get_by_role("heading", name="Controleer het volgende")).to_be_visible()
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name="Volgende evaluatie van het plan")
    expect(link).to_contain_text("ligt in het verleden")
    link.click()
    expect(page.get_by_label("Volgende evaluatie van het plan")).to_be_focused()

    # Every value typed is still there.
    for n, (domain, description, target, owner, support) in enumerate(GOALS, start=1):
        expect(page.get_by_label(f"Doel {n}: domein")).to_have_value(domain)
        expect(page.get_by_label(f"Doel {n}: wat willen we bereiken?")).to_have_value(description)
        expect(page.get_by_label(f"Doel {n}: concreet streven")).to_have_value(target)
        expect(page.get_by_label(f"Doel {n}: eigenaar", exact=True)).to_have_value(owner)
        expect(page.get_by_label(f"Doel {n}: welke steun of hulp")).to_have_value(support)
    expect(page.get_by_label("Het plan bevat behandeling door een jeugdhulpaanbieder")).to_be_checked()
    expect(page.get_by_label("Volgende evaluatie van het plan")).to_have_value("2019-05-01")
    expect(page.get_by_label("Volgende evaluatie van het plan")).to_have_attribute("aria-invalid", "true")
    assert accessibility_problems(page) == []

    # Fixed, it saves; the case page's plan summary lists the three goals.
    page.get_by_label("Volgende evaluatie van het plan").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Plan opslaan").click()
    expect(page.get_by_text("Het plan is opgeslagen")).to_be_visible()
    goals = page.get_by_role("table", name="Doelen en hun evaluatie")
    for _domain, description, *_rest in GOALS:
        expect(goals).to_contain_text(description)


def test_the_step_selector_keeps_the_chosen_step_after_an_error(page: Page, base_url: str, demo_env) -> None:  # type: ignore[no-untyped-def]
    log_in(page, base_url, demo_env, "ib")
    daan = child_id(demo_env, "Daan", "Bakker")
    # An open case: a signal, the conversation with the parents, the question to the support team.
    page.goto(f"{base_url}/kinderen/{daan}/signaal/")
    page.get_by_label("Gemeld door").select_option("teacher")
    page.get_by_label("Gedrag").check()
    page.get_by_label("Waar maakt u zich zorgen over?").fill("Daan is vaak moe en kan zich slecht concentreren.")
    page.get_by_role("button", name="Signaal vastleggen").click()
    page.get_by_label("Wat is er besproken").fill("Vader herkent het.")
    page.get_by_role("button", name="Gesprek vastleggen").click()
    page.get_by_label("Vraag aan het ondersteuningsteam").fill("Wat heeft Daan nodig?")
    page.get_by_role("button", name="Voorleggen aan het ondersteuningsteam").click()

    step = page.get_by_label("Volgende stap")
    first = step.locator("option").first.get_attribute("value")
    assert first != "on_hold"
    step.select_option(label="Aangehouden")
    until = (date.today() + timedelta(days=14)).isoformat()
    page.get_by_label("Tot (bij aanhouden)").fill(until)
    page.get_by_role("button", name="Zet deze stap").click()  # without the reason it needs

    summary = page.locator("[data-error-summary]")
    expect(summary.get_by_role("heading", name="Controleer het volgende")).to_be_visible()
    expect(summary.get_by_role("link", name="Schrijf op waarom.")).to_be_visible()
    expect(page.get_by_label("Volgende stap")).to_have_value("on_hold")
    expect(page.get_by_label("Tot (bij aanhouden)")).to_have_value(until)
    assert accessibility_problems(page) == []

    # The second click takes the chosen step, not the first one of the list.
    page.get_by_label("Waarom (nodig bij aanhouden, afsluiten en heropenen)").fill("Wachten op onderzoek.")
    page.get_by_role("button", name="Zet deze stap").click()
    expect(page.get_by_text("De casus is bijgewerkt.")).to_be_visible()
    case = page.locator("section", has=page.get_by_role("heading", name="Casus", exact=True))
    expect(case.get_by_text("Status: Aangehouden")).to_be_visible()
