"""The thuiszitter overview withholds small cells (fewer than RONDOM_MONITORING_MIN_CELL children) on the page, in
CSV and in XLSX alike, and shows a school board's policy officer only the schools below the board, never the whole
municipality (issue 12 point 8)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from rondom.attendance.models import AbsenceRecord
from rondom.thuiszitters import overview, services
from tests.factories import ChildFactory, MembershipFactory, MunicipalityFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)
URL = "/thuiszitters/overzicht/"


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


@pytest.fixture
def city():  # type: ignore[no-untyped-def]
    """Zwolle: a board with a large school (6 thuiszitters) and a small one (2); a school of another board (1) and
    a child without a school (absolute, 1)."""
    zwolle = MunicipalityFactory(name="Zwolle")
    bloz = OrganisationFactory(kind="school_board", name="Bloz", municipality=zwolle)
    board = OrganisationFactory(kind="school_board", name="Stichting Openbaar", municipality=zwolle, parent=bloz)
    other_board = OrganisationFactory(kind="school_board", name="Stichting Anders", municipality=zwolle)
    large = SchoolFactory(name="De Grote School", municipality=zwolle, parent=board)
    small = SchoolFactory(name="De Kleine School", municipality=zwolle, parent=board)
    elsewhere = SchoolFactory(name="Buiten Bloz", municipality=zwolle, parent=other_board)
    periods = [(large, "relative")] * 6 + [(small, "relative")] * 2 + [(elsewhere, "relative"), (None, "absolute")]
    leerplicht = OrganisationFactory(kind="leerplicht", name="Leerplicht")
    leerplicht.serves_municipalities.add(zwolle)
    lpa = MembershipFactory(organisation=leerplicht, role="leerplicht_officer").user
    for school, kind in periods:
        child = ChildFactory(school=school, home_municipality=zwolle)
        services.register(lpa, child, kind=kind, reason="no_place", started_on=TODAY - timedelta(days=40), today=TODAY)
        if school is not None:
            day = TODAY - timedelta(days=2)
            AbsenceRecord.objects.create(child=child, school=school, date=day, kind="unauthorised", minutes=120)
    gemeente = OrganisationFactory(kind="municipality", name="Gemeente Zwolle", municipality=zwolle)
    return {
        "zwolle": zwolle,
        "bloz": MembershipFactory(organisation=bloz, role="policy_officer").user,
        "board": MembershipFactory(organisation=board, role="policy_officer").user,
        "gemeente": MembershipFactory(organisation=gemeente, role="policy_officer").user,
        "lpa": lpa,
    }


def _line(table: overview.Table, name: str) -> list[object]:
    return next(line for line in table.lines if line[0] == name)


def test_a_count_of_fewer_than_the_minimum_is_withheld_and_a_larger_one_shown(city, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_MONITORING_MIN_CELL = 5
    table = overview.build(overview.scope_for(city["gemeente"]), "school", TODAY)  # type: ignore[arg-type]
    large, small = _line(table, "De Grote School"), _line(table, "De Kleine School")
    assert large[1] == 6 and large[4] == 40 and large[10] == 12.0  # 6 children, 40 days, 12 hours
    assert [str(v) for v in small[1:6]] == [
        "<5",
        "0",
        "0",
        "<5",
        "<5",
    ]  # 2 relative; days of two
    assert str(small[10]) == "<5"  # hours that rest on two children
    assert str(table.total_line[1]) == "9" and str(table.total_line[2]) == "<5"  # the one absolute thuiszitter


def test_the_page_csv_and_xlsx_show_the_same_withheld_cells(city, login, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_MONITORING_MIN_CELL = 5
    client = login(city["gemeente"])
    page = client.get(f"{URL}?by=school").content.decode()
    assert "&lt;5" in page and "minder dan 5 kinderen" in page
    assert page.count('class="rondom-bar"') == 1  # only the large school has a bar
    csv_lines = client.get(f"{URL}?by=school&format=csv").content.decode("utf-8-sig").splitlines()
    small = next(line for line in csv_lines if line.startswith("De Kleine School;"))
    assert small.split(";")[1:6] == ["<5", "0", "0", "<5", "<5"]
    sheet = load_workbook(io.BytesIO(client.get(f"{URL}?by=school&format=xlsx").content)).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["De Kleine School"][1] == "<5" and rows["De Grote School"][1] == 6


def test_a_higher_minimum_withholds_more(city, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_MONITORING_MIN_CELL = 10
    table = overview.build(overview.scope_for(city["gemeente"]), "school", TODAY)  # type: ignore[arg-type]
    assert str(_line(table, "De Grote School")[1]) == "<10"


def test_the_school_boards_officer_sees_the_boards_schools_not_the_municipality(city, login) -> None:  # type: ignore[no-untyped-def]
    for officer in ("bloz", "board"):  # the association of boards, and one board
        scope = overview.scope_for(city[officer])
        assert scope is not None and not scope.municipality_ids
        table = overview.build(scope, "school", TODAY)
        assert {r.name for r in table.rows} == {
            "De Grote School",
            "De Kleine School",
        }  # not "Buiten Bloz", not the child without a school
    everything = overview.build(overview.scope_for(city["gemeente"]), "school", TODAY)  # type: ignore[arg-type]
    assert {"Buiten Bloz", "Not enrolled"} <= {r.name for r in everything.rows}
    page = login(city["bloz"]).get(f"{URL}?by=municipality&format=csv").content.decode("utf-8-sig")
    assert page.splitlines()[1].startswith("Zwolle;8;")  # the 8 children of the board's schools


def test_a_school_board_without_schools_and_a_knowledge_institution_get_no_overview(login) -> None:  # type: ignore[no-untyped-def]
    lonely = MembershipFactory(organisation=OrganisationFactory(kind="school_board"), role="policy_officer").user
    researcher = MembershipFactory(organisation=OrganisationFactory(kind="knowledge"), role="policy_officer").user
    for user in (lonely, researcher):
        assert overview.scope_for(user) is None and not overview.may_open(user)
        assert login(user).get(URL).status_code == 403
