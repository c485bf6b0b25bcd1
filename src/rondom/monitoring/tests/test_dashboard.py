"""The monitoring dashboard, its downloads, the PDF report, its texts and the research export page: for policy
staff only, aggregates only, small figures withheld."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from openpyxl import load_workbook
from pypdf import PdfReader

from rondom.audit.models import AccessLogEntry
from rondom.funding.models import Pilot
from rondom.monitoring.models import ReportText
from rondom.monitoring.rollup import refresh_monthly_facts
from rondom.registry.models import Wijk
from rondom.thuiszitters.models import Thuiszitter
from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory, SchoolFactory, consent_for

pytestmark = pytest.mark.django_db
YEAR = "2025-2026"


@pytest.fixture(autouse=True)
def _a_fixed_day():  # type: ignore[no-untyped-def]
    """Nothing here depends on the wall clock: a day in school year 2026-2027, so 2025-2026 is a whole year."""
    with time_machine.travel(datetime(2026, 9, 15, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


@pytest.fixture
def city():  # type: ignore[no-untyped-def]
    pilot_school, other_school = SchoolFactory(name="De Wijde Blik"), SchoolFactory()
    other_school.municipality = pilot_school.municipality
    other_school.save()
    pilot = Pilot.objects.get(kind="specific_care")
    pilot.schools.add(pilot_school)
    noord = Wijk.objects.create(municipality=pilot_school.municipality, name="Noord")
    children = [ChildFactory(school=pilot_school, given_name="Zeldzaam", wijk=noord) for _ in range(6)]
    for child in children:
        Thuiszitter.objects.create(
            child=child, kind="relative", reason="other", started_on=date(2025, 9, 1), school=pilot_school
        )
    ChildFactory(school=other_school)
    gemeente = OrganisationFactory(kind="municipality", municipality=pilot_school.municipality)
    officer = MembershipFactory(organisation=gemeente, role="policy_officer").user
    return {"pilot": pilot, "school": pilot_school, "other": other_school, "officer": officer, "noord": noord}


def _row(html: str, table: str, label: str) -> str:
    return html.split(f'id="{table}"')[1].split(label)[1].split("</tr>")[0]


def test_policy_staff_compare_a_pilot_with_the_rest_of_the_city(login, city) -> None:  # type: ignore[no-untyped-def]
    client = login(city["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/monitoring/?pilot={city['pilot'].pk}&year={YEAR}")
    html = page.content.decode()
    assert page.status_code == 200 and "Zeldzaam" not in html and html.count("<canvas") == 2
    assert "The figures have not been computed yet" in html  # the worker has not run yet in this test
    refresh_monthly_facts()
    assert "Figures as of" in client.get(f"/monitoring/?pilot={city['pilot'].pk}&year={YEAR}").content.decode()
    row = _row(html, "indicators", "Aantal thuiszitters")
    cells = row.split('<td class="utrecht-table__cell">')[1:]
    figures = [c.split("</td>")[0].split("<br>")[0] for c in cells]
    assert figures == ["6", "0", "0", "0", "kinderen"]  # now, baseline, other, other
    summary = client.get(f"/monitoring/?pilot={city['pilot'].pk}&year={YEAR}&table=summary&format=csv")
    lines = summary.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("thuiszitters;") and lines[1].endswith(";6;0;0;0;100.00;0.00")
    book = load_workbook(
        io.BytesIO(client.get(f"/monitoring/?pilot={city['pilot'].pk}&year={YEAR}&table=trend&format=xlsx").content)
    )
    trend = list(book.active.values)
    assert trend[0][:2] == ("Indicator", "Unit") and trend[1][0] == "thuiszitters"


def test_a_figure_that_rests_on_too_few_is_withheld_on_the_page_and_in_downloads(login, city, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_MONITORING_MIN_CELL = 10
    client = login(city["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/monitoring/?pilot={city['pilot'].pk}&year={YEAR}").content.decode()
    assert "withheld (&lt;10)" in _row(html, "indicators", "Aantal thuiszitters")
    csv = client.get(f"/monitoring/?pilot={city['pilot'].pk}&year={YEAR}&format=csv").content.decode("utf-8-sig")
    assert csv.splitlines()[1].split(";")[3] == "<10"


def test_breakdown_per_school_and_per_wijk_and_a_wijk_as_comparison(login, city) -> None:  # type: ignore[no-untyped-def]
    client = login(city["officer"])
    base = f"/monitoring/?pilot={city['pilot'].pk}&year={YEAR}"
    per_school = client.get(f"{base}&breakdown=school").content.decode()
    assert "De Wijde Blik" in per_school.split('id="breakdown-table"')[1]
    per_wijk = client.get(f"{base}&breakdown=wijk").content.decode()
    assert "Noord" in per_wijk.split('id="breakdown-table"')[1]
    csv = client.get(f"{base}&breakdown=wijk&table=breakdown&format=csv").content.decode("utf-8-sig").splitlines()
    assert csv[1].startswith("Noord;6;")  # six thuiszitters from the wijk's school
    compared = client.get(f"{base}&compare=wijk:{city['noord'].pk}").content.decode()
    assert "wijk Noord" in compared
    city_wide = client.get(f"/monitoring/?pilot=city&year={YEAR}").content.decode()
    assert _row(city_wide, "indicators", "Aantal thuiszitters").split('"utrecht-table__cell">')[1].startswith("6<")


def test_only_policy_staff_see_the_monitoring(login, city) -> None:  # type: ignore[no-untyped-def]
    ib = MembershipFactory(organisation=city["school"], role="intern_begeleider").user
    client = login(ib)
    for url in ("/monitoring/", "/monitoring/rapport/", "/monitoring/teksten/", "/monitoring/onderzoek/"):
        assert client.get(url).status_code == 403


def test_the_report_is_a_pdf_with_the_figures_and_the_texts(login, city) -> None:  # type: ignore[no-untyped-def]
    client = login(city["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    query = f"pilot={city['pilot'].pk}&year={YEAR}"
    refused = client.post(f"/monitoring/teksten/?{query}", {"perspective": "parent", "signed_as": "", "text": ""})
    assert refused.status_code == 400 and not ReportText.objects.exists()
    added = client.post(
        f"/monitoring/teksten/?{query}",
        {"perspective": "parent", "signed_as": "Een moeder uit Noord", "text": "De hulp kwam naar school."},
    )
    assert added.status_code == 302 and ReportText.objects.get().written_by == city["officer"]
    response = client.get(f"/monitoring/rapport/?{query}")
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())
    assert city["pilot"].name in text and YEAR in text and "Zeldzaam" not in text
    # The thuiszitters row: this year, the baseline, the comparison this year and in the baseline.
    # Always in Dutch (the page language was English): counts with their rate per 100 pupils, Dutch decimals.
    zero = "0 (0,00 per 100 leerlingen)"
    assert f"in het schooljaar 6 (100,00 per 100 leerlingen) {zero} {zero} {zero} kinderen" in text
    assert "Een moeder uit Noord" in text and "De hulp kwam naar school." in text


def test_the_research_export_page_refuses_without_ground_and_logs_what_it_exports(login, city, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_RESEARCH_KEY = ""
    client = login(city["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    form = {"pilot": str(city["pilot"].pk), "year": YEAR, "legal_basis": ""}
    assert "key for pseudonyms is missing" in client.post("/monitoring/onderzoek/", form).content.decode()
    settings.RONDOM_RESEARCH_KEY = "sleutel-van-de-gemeente"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    form = {"pilot": str(city["pilot"].pk), "year": YEAR, "legal_basis": ""}
    before = AccessLogEntry.objects.count()
    refused = client.post("/monitoring/onderzoek/", form)
    assert refused.status_code == 400 and "no research consent" in refused.content.decode()
    assert AccessLogEntry.objects.count() == before
    knowledge = OrganisationFactory(kind="knowledge")
    from rondom.registry.models import Child

    child = Child.objects.filter(school=city["school"]).first()
    consent_for(child, "research", knowledge, ["support"])
    exported = client.post("/monitoring/onderzoek/", form)
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert exported.status_code == 200 and lines[0].startswith("pseudoniem;") and len(lines) == 2
    assert AccessLogEntry.objects.filter(child_id=child.pk, action="export").count() == 1
