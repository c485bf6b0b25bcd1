"""Issue 14 point 4: the monitoring compares like with like and says what it shows. A count of children is shown
per 100 pupils next to the count, both sides' size is named, a school year still running is marked as such (from
the `today` the caller passes, never the clock inside the rules), a withheld figure reads "afgeschermd (<5)" in the
table and is a marker (no value, never 0) in the chart data, the chart data are machine numbers, and the PDF report
writes Dutch numbers and money in tables whose cells wrap inside their columns."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import translation
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from rondom.core.schoolyear import SchoolYear
from rondom.funding.models import Pilot
from rondom.monitoring import monitoring, report
from rondom.monitoring.indicators import BY_KEY, Figure
from rondom.thuiszitters.models import Thuiszitter
from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 16)  # three and a half months into school year 2026-2027
RUNNING = SchoolYear(2026)


@pytest.fixture(autouse=True)
def _a_fixed_day():  # type: ignore[no-untyped-def]
    """The clock is pinned on another day than TODAY: the rules must use the today they are given."""
    with time_machine.travel(datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


@pytest.fixture
def city():  # type: ignore[no-untyped-def]
    pilot_school, other_school = SchoolFactory(name="De Wijde Blik"), SchoolFactory(name="Het Anker")
    other_school.municipality = pilot_school.municipality
    other_school.save()
    pilot = Pilot.objects.get(kind="specific_care")
    pilot.schools.set([pilot_school])
    children = [ChildFactory(school=pilot_school) for _ in range(8)]
    for child in children[:6]:
        Thuiszitter.objects.create(
            child=child, kind="relative", reason="other", started_on=date(2025, 9, 1), school=pilot_school
        )
    others = [ChildFactory(school=other_school) for _ in range(3)]
    for child in others:  # three: fewer than 5, withheld
        Thuiszitter.objects.create(
            child=child, kind="relative", reason="other", started_on=date(2025, 10, 1), school=other_school
        )
    gemeente = OrganisationFactory(kind="municipality", municipality=pilot_school.municipality)
    officer = MembershipFactory(organisation=gemeente, role="policy_officer").user
    return {"pilot": pilot, "officer": officer}


def _dutch(client):  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    return client


def _json(html: str, element_id: str) -> dict:  # type: ignore[type-arg]
    return json.loads(html.split(f'<script id="{element_id}" type="application/json">')[1].split("</script>")[0])


# --- the rules, with a today passed in -------------------------------------------------------------------------------


def test_the_school_years_shown_follow_the_today_passed_in_not_the_clock() -> None:
    assert str(monitoring.school_years(date(2031, 2, 1))[0]) == "2030-2031"
    assert monitoring.school_years(date(2026, 7, 31))[0] == SchoolYear(2025)
    assert monitoring.school_years(date(2026, 8, 1))[0] == SchoolYear(2026)


def test_a_school_year_still_running_is_marked_up_to_the_month_of_today() -> None:
    with translation.override("nl"):
        assert monitoring.year_label(RUNNING, TODAY) == "2026-2027 (lopend schooljaar, t/m november)"
        assert monitoring.year_label(SchoolYear(2025), TODAY) == "2025-2026"
    assert monitoring.running_until(RUNNING, TODAY) == TODAY
    assert monitoring.running_until(SchoolYear(2025), TODAY) is None
    assert monitoring.running_until(SchoolYear(2025), date(2026, 7, 31)) == date(2026, 7, 31)


def test_a_count_of_children_gets_its_rate_per_100_pupils_and_a_withheld_count_no_rate() -> None:
    count = BY_KEY["thuiszitters"]
    cell = monitoring.Cell.of(Figure(Decimal(6), 6, pupils=800), 5, count)
    assert cell.rate == Decimal("0.75") and cell.chart_value == Decimal("0.75")
    with translation.override("nl"):
        assert cell.full_text == "6 (0,75 per 100 leerlingen)"
    withheld = monitoring.Cell.of(Figure(Decimal(3), 3, pupils=800), 5, count)
    assert withheld.withheld and withheld.rate is None and withheld.chart_value is None
    with translation.override("nl"):
        assert str(withheld) == "afgeschermd (<5)"
    mean = monitoring.Cell.of(Figure(Decimal("7.5"), 40, pupils=800), 5, BY_KEY["wellbeing"])
    assert mean.rate is None and mean.chart_value == Decimal("7.5")  # not a count: compared as it is


def test_a_large_figure_is_written_with_dutch_thousands_grouping() -> None:
    with translation.override("nl"):
        assert str(monitoring.Cell(Decimal("171000.76"), 40)) == "171.000,76"
        assert str(monitoring.Cell(Decimal("6"), 6)) == "6"


def test_the_size_of_each_side_is_written_with_dutch_grouping_and_plural() -> None:
    with translation.override("nl"):
        assert monitoring.size_text(8, 1234) == "8 scholen, 1.234 leerlingen"
        assert monitoring.size_text(1, 1) == "1 school, 1 leerling"


# --- the page --------------------------------------------------------------------------------------------------------


def test_the_dashboard_marks_the_running_year_and_names_both_sides_size(login, city) -> None:  # type: ignore[no-untyped-def]
    client = _dutch(login(city["officer"]))
    html = client.get(f"/monitoring/?pilot={city['pilot'].pk}&year={RUNNING}").content.decode()
    assert "2026-2027 (lopend schooljaar, t/m november)" in html
    assert 'id="running-year"' in html and "tot en met 16 november 2026" in html
    sizes = html.split('id="monitoring-sizes">')[1].split("</p>")[0]
    assert "1 school, 8 leerlingen" in sizes and "1 school, 3 leerlingen" in sizes
    whole = client.get(f"/monitoring/?pilot={city['pilot'].pk}&year=2025-2026").content.decode()
    assert 'id="running-year"' not in whole
    # the trend's columns: the running year is marked there too
    trend = whole.split('id="trend-table"')[1].split("</thead>")[0]
    assert "2026-2027 (lopend schooljaar, t/m november)" in trend


def test_counts_are_shown_per_100_pupils_and_a_withheld_cell_is_withheld_in_table_and_chart(login, city) -> None:  # type: ignore[no-untyped-def]
    client = _dutch(login(city["officer"]))
    html = client.get(f"/monitoring/?pilot={city['pilot'].pk}&year=2025-2026").content.decode()
    row = html.split('id="indicators"')[1].split("Aantal thuiszitters")[1].split("</tr>")[0]
    assert "6<br>" in row and "75,00 per 100 leerlingen" in row  # 6 of 8 pupils
    assert "afgeschermd (&lt;5)" in row  # the comparison's 3 thuiszitters
    bars = _json(html, "bars-data")
    i = next(n for n, label in enumerate(bars["labels"]) if label == ["Thuiszitters", "(kinderen per 100 leerlingen)"])
    scope, other = bars["series"]
    assert scope["values"][i] == 75.0 and scope["texts"][i] == "75,00"  # machine number, Dutch text
    assert other["withheld"][i] is True and other["values"][i] is None and other["scaled"][i] is None  # never 0
    assert bars["withheld"] == "afgeschermd (<5)"
    line = _json(html, "trend-data")
    assert line["unit"] == "kinderen per 100 leerlingen"
    assert line["labels"][-1] == ["2026-2027", "lopend, t/m november"]
    assert html.count("<canvas") == 2 and "vendor/chartjs/chart.umd.min.js" in html and "rondom/charts.js" in html


def test_the_chart_data_are_machine_numbers_never_localised(login, city) -> None:  # type: ignore[no-untyped-def]
    client = _dutch(login(city["officer"]))
    html = client.get(f"/monitoring/?pilot={city['pilot'].pk}&year=2025-2026").content.decode()
    for element_id in ("bars-data", "trend-data"):
        raw = html.split(f'<script id="{element_id}" type="application/json">')[1].split("</script>")[0]
        numbers = re.findall(r'"(?:values|scaled)": \[([^\]]*)\]', raw)
        assert numbers
        for listed in numbers:
            for item in listed.split(", "):
                assert item == "null" or re.fullmatch(r"-?\d+(\.\d+)?", item), item


def test_no_code_word_of_an_indicator_reaches_the_breakdown_table(login, city) -> None:  # type: ignore[no-untyped-def]
    client = _dutch(login(city["officer"]))
    html = client.get(f"/monitoring/?pilot={city['pilot'].pk}&year=2025-2026&breakdown=school").content.decode()
    head = html.split('id="breakdown-table"')[1].split("</thead>")[0]
    assert "absence_primary" not in head and "Ongeoorloofd verzuim po" in head


# --- the report ------------------------------------------------------------------------------------------------------


def test_money_in_the_report_is_written_the_dutch_way() -> None:
    with translation.override("nl"):
        assert report.money(Decimal("980000")) == "€\xa0980.000"
        assert report.money(Decimal("-1234.5")) == "€\xa0-1.234,50"
        assert report.money(None) == "—"


def test_every_cell_of_a_report_table_wraps_inside_its_column() -> None:
    styles = report._styles()
    header = ["Indicator", "Proeftuin 2026-2027 (lopend schooljaar, t/m november)", "Vergelijking 2024-2025", "€"]
    widths = [200.0, 70.0, 70.0, 44.0]
    table = report._table(
        [header, ["Aantal thuiszitters", "6 (0,75 per 100 leerlingen)", "—", "kinderen"]], widths, styles
    )
    table.wrap(sum(widths), 1000)
    for row in table._cellvalues:
        for held, width in zip(row, widths, strict=True):
            cell = held[0] if isinstance(held, (list, tuple)) else held
            assert isinstance(cell, Paragraph)
            cell.wrap(width - 6, 1000)  # inside the 3 pt padding on either side
            assert max(cell.getActualLineWidths0()) <= width - 6


def test_the_report_is_dutch_with_the_budget_in_dutch_money_and_the_running_year_marked(login, city) -> None:  # type: ignore[no-untyped-def]
    pilot = city["pilot"]
    pilot.baseline, pilot.shrink_percent, pilot.actual = {"gemeente": "980000"}, Decimal("2"), {"1": "1234567.5"}
    pilot.save()
    client = login(city["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the page language does not matter: the report is Dutch
    response = client.get(f"/monitoring/rapport/?pilot={pilot.pk}&year={RUNNING}")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    assert "€ 980.000" in text and "980.000,00" not in text and "€ 1.234.567,50" in text and "980,000.00" not in text
    assert "lopend schooljaar, t/m november" in text and "Schooljaar 2026-2027 loopt nog" in text
    assert "1 school, 8 leerlingen in de proeftuin" in text
