"""Absence to decision, in a real browser with the real worker: the functioneel beheerder imports an export with
one bad row and reads the report; after the fix the import succeeds; the child appears as thuiszitter, the case
climbs the ladder when its deadlines pass, and the gemeente's decider records a decision."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from rondom.schoolcalendar.services import add_working_days, is_working_day

from .conftest import manage
from .test_ib_day import log_in

pytestmark = pytest.mark.browser
DAAN = "100000009"  # the demo BSN of Daan Bakker (De Esch), see rondom.demo.absence


def _export(path, rows: list[str]) -> str:  # type: ignore[no-untyped-def]
    path.write_text("BSN;Datum;Soort;Uren;Lesuur\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def _school_days(count: int) -> list[date]:
    """The last `count` school days before today in regio noord, as the server's protocols count them: working
    days outside the school holidays. This process has no database, so the holidays come from the `holidays`
    library, which the shipped school holidays are tested to agree with (schoolcalendar tests)."""
    days, day = [], date.today() - timedelta(days=1)
    school_holidays = holidays.NL(subdiv="Noord", years=range(day.year - 1, day.year + 1), categories=("school",))
    while len(days) < count:
        if is_working_day(day, liberation_day=settings.LIBERATION_DAY_SCHOOL) and day not in school_holidays:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def _upload(page: Page, base_url: str, file: str) -> None:
    page.goto(f"{base_url}/verzuim/import/")
    page.locator("#id_mapping").select_option(label="ParnasSys (De Esch) (ParnasSys)")
    page.locator("#id_file").set_input_files(file)
    page.get_by_role("button", name="Inlezen", exact=True).click()


def test_import_report_fix_thuiszitter_escalation_and_the_gemeentes_decision(
    page: Page, base_url: str, demo_env, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    rows = [f"{DAAN};{d:%d-%m-%Y};O;5,5;" for d in _school_days(21)]
    tomorrow = (date.today() + timedelta(days=1)).strftime("%d-%m-%Y")

    # 1. The functioneel beheerder imports an export with one bad row: refused whole, with the row named.
    log_in(page, base_url, demo_env, "beheer")
    page.get_by_role("link", name="Verzuim inlezen").first.click()
    _upload(page, base_url, _export(tmp_path / "verzuim.csv", [*rows[:5], f"{DAAN};{tomorrow};O;2;", *rows[5:]]))
    expect(page.get_by_role("heading", name="Het bestand is geweigerd; er is niets ingelezen")).to_be_visible()
    report = page.locator("#import-errors")
    expect(report).to_contain_text("7")  # the header is row 1; the bad row is the 7th line
    expect(report).to_contain_text("Datum")

    # 2. After the fix the same export imports; the worker applies the protocols.
    _upload(page, base_url, _export(tmp_path / "verzuim-hersteld.csv", rows))
    expect(page.locator(".utrecht-alert--success")).to_contain_text("21")

    # 3. Daan appears in the register on the first rung (the school decides first).
    page.get_by_role("button", name="Uitloggen").click()
    log_in(page, base_url, demo_env, "leerplicht")
    page.get_by_role("link", name="Thuiszitters").first.click()
    expect(page.get_by_role("link", name="Daan Bakker")).to_be_visible()
    page.get_by_role("link", name="Daan Bakker").click()
    expect(page.locator("#current-level")).to_contain_text("School")

    # 4. Nobody decides: the worker's pass after two deadlines puts the case with the gemeente.
    first = add_working_days(date.today(), 10)
    second = add_working_days(first + timedelta(days=1), 10)
    manage(demo_env, "run_absence_pass", "--date", (second + timedelta(days=1)).isoformat())
    page.reload()
    expect(page.locator("#current-level")).to_contain_text("Gemeente / leerplicht")
    expect(page.locator("#history")).to_contain_text("automatisch")

    # 5. The gemeente's decider records the decision; the clock stops.
    page.get_by_role("button", name="Uitloggen").click()
    log_in(page, base_url, demo_env, "beleid")
    page.get_by_role("link", name="Meldingen").first.click()
    expect(page.locator("#notifications")).to_contain_text("Gemeente / leerplicht")
    page.get_by_role("link", name="Thuiszitters").first.click()
    page.get_by_role("link", name="Daan Bakker").click()
    page.get_by_label("Uitkomst").select_option("arrangement")
    decision = "Gemeente betaalt een onderwijs-zorgarrangement vanaf maandag."
    page.locator("#decide-form textarea[name=decision]").fill(decision)
    page.locator("#decide-form button[type=submit]").click()
    expect(page.get_by_text("Het besluit is vastgelegd.")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("onderwijs-zorgarrangement vanaf maandag")
    expect(page.locator("#decide-form")).to_have_count(0)
