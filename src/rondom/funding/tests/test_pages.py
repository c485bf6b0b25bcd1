"""The allocation, pilot and budget pages: policy staff only, forms with their errors on the fields, POST-redirect-
GET, the figures on the page and the same figures in the CSV and XLSX downloads."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook

from rondom.accounts.models import User
from rondom.funding import rounds
from rondom.funding.models import AllocationRound, Pilot
from rondom.funding.tests.test_rounds import World, build_world
from tests.factories import MembershipFactory, SchoolFactory

pytestmark = pytest.mark.django_db

URL = "/monitoring/verdeling/"
RULES = {
    "action": "compute",
    "base_hours": "4",
    "maatwerk_hours": "8",
    "weight_pupils": "50",
    "weight_open_cases": "25",
    "weight_thuiszitters": "25",
    "weight_absence_hours": "0",
    "rate": "50",
    "weeks": "40",
    "school_share": "50",
    "regional_split": "on",
}


@pytest.fixture
def as_user(login):  # type: ignore[no-untyped-def]
    def _as(user: User) -> Client:
        client: Client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def csv_rows(response: Any) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(response: Any) -> list[list[Any]]:
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def table_html(page: Any, table_id: str) -> str:
    return str(page.content.decode().split(f'id="{table_id}"')[1].split("</table>")[0])


def compute_page(world: World, as_user: Any) -> Client:
    client: Client = as_user(world.gemeente)
    answer = client.post(f"{URL}?year={world.year}", RULES)
    assert answer.status_code == 302 and answer["Location"].endswith(f"year={world.year}")
    return client


def test_the_municipality_computes_the_round_and_the_page_shows_it(as_user) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    client: Client = as_user(world.gemeente)
    page = client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200 and 'id="rules-form"' in html and "Not computed yet" in html
    assert 'for="id_rules_weight_pupils"' in html and 'name="csrfmiddlewaretoken"' in html
    assert 'id="advice-form"' not in html and 'id="decision-form"' not in html

    compute_page(world, as_user)
    page = client.get(f"{URL}?year={world.year}")
    assert "Computed, awaiting the advice of Bloz" in page.content.decode()
    table = table_html(page, "allocation-table")
    esch = table.split("De Esch</th>")[1].split("</tr>")[0]
    # Figures in the page's language (English here), money in euros, no trailing zeros (rondom.formats).
    for figure in ("0.375", "3", "7", "€\xa014,000", "€\xa07,000", "€\xa04,666.67", "€\xa02,333.33"):
        assert f">{figure}</td>" in esch
    total = table.split("<tfoot>")[1]
    for figure in ("1", "16", "€\xa032,000", "€\xa016,000", "€\xa013,666.67", "€\xa02,333.33"):
        assert f">{figure}</td>" in total
    assert "Zwolle pays" in table and "Kampen pays" in table
    # The municipality does not advise: Bloz does.
    assert 'id="advice-form"' not in page.content.decode()


def test_the_downloads_carry_the_same_numbers_as_the_page(as_user) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    client = compute_page(world, as_user)
    base = f"{URL}?year={world.year}&table=allocation"
    rows = csv_rows(client.get(f"{base}&format=csv"))
    assert rows[0][0] == "School" and rows[0][-2:] == ["Zwolle pays", "Kampen pays"]
    assert rows[1][:6] == ["De Esch", "3", "0", "0", "2.0", "0.3750"]
    assert rows[1][6:] == ["4", "3.0", "7.0", "14000.00", "7000.00", "4666.67", "2333.33"]
    assert rows[-1][0] == "Total" and rows[-1][9:] == ["32000.00", "16000.00", "13666.67", "2333.33"]
    sheet = xlsx_rows(client.get(f"{base}&format=xlsx"))
    assert sheet[0] == rows[0]
    assert sheet[2][0] == "De Kern" and sheet[2][8:] == [9.0, 18000.0, 9000.0, 9000.0, 0.0]
    assert sheet[-1][9:] == [32000.0, 16000.0, 13666.67, 2333.33]


@pytest.mark.parametrize(
    ("changes", "fields", "reason"),
    [
        ({"weight_pupils": "60"}, ["weight_pupils", "weight_absence_hours"], "add up to 100 %"),
        ({"school_share": "120"}, ["school_share"], "between 0 and 100 %"),
        ({"base_hours": "-4"}, ["base_hours"], "cannot be negative"),
        ({"maatwerk_hours": "-1"}, ["maatwerk_hours"], "cannot be negative"),
        ({"weeks": ""}, ["weeks"], "This field is required"),
    ],
)
def test_bad_rules_answer_400_with_the_error_on_the_field_and_save_nothing(  # type: ignore[no-untyped-def]
    as_user, changes: dict[str, str], fields: list[str], reason: str
) -> None:
    world = build_world()
    answer = as_user(world.gemeente).post(URL, {**RULES, **changes})
    html = answer.content.decode()
    assert answer.status_code == 400 and reason in html
    for field in fields:
        assert f'<span class="errorlist" id="id_rules_{field}_error" role="alert">' in html
        assert f'aria-describedby="id_rules_{field}_error"' in html or f'id_rules_{field}_error"' in html
    assert AllocationRound.objects.count() == 0


def test_advice_and_decision_by_the_right_roles_on_the_page(as_user, client) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    compute_page(world, as_user)
    query = f"{URL}?year={world.year}"
    # The SWV sees the round but neither advises nor decides.
    swv = as_user(world.swv)
    html = swv.get(query).content.decode()
    assert 'id="advice-form"' not in html and 'id="rules-form"' not in html
    assert swv.post(query, {"action": "advise", "advice": "Akkoord."}).status_code == 403
    assert swv.post(query, RULES).status_code == 403
    client.logout()

    bestuur = as_user(world.bestuur)
    assert 'id="advice-form"' in bestuur.get(query).content.decode()
    empty = bestuur.post(query, {"action": "advise", "advice": ""})
    assert empty.status_code == 400 and 'id="id_advice_advice_error"' in empty.content.decode()
    assert bestuur.post(query, {"action": "advise", "advice": "Akkoord, Bloz."}).status_code == 302
    assert bestuur.post(query, {"action": "decide", "decision_note": "Vastgesteld."}).status_code == 403
    client.logout()

    gemeente = as_user(world.gemeente)
    page = gemeente.get(query).content.decode()
    assert "Akkoord, Bloz." in page and 'id="decision-form"' in page
    decided = {"action": "decide", "decision_note": "Vastgesteld in het college.", "confirm": "on"}
    assert gemeente.post(query, decided).status_code == 302
    page = gemeente.get(query).content.decode()
    assert "Decided" in page and "Vastgesteld in het college." in page and 'id="rules-form"' not in page

    before = AllocationRound.objects.values().get()
    refused = gemeente.post(query, {**RULES, "maatwerk_hours": "20"})
    assert refused.status_code == 400 and "can no longer be changed" in refused.content.decode()
    client.logout()
    refused = as_user(world.bestuur).post(query, {"action": "advise", "advice": "Toch anders."})
    assert refused.status_code == 400 and "can no longer be changed" in refused.content.decode()
    assert AllocationRound.objects.values().get() == before


def test_realised_against_allocated_on_the_page_and_in_the_download(as_user) -> None:  # type: ignore[no-untyped-def]
    from rondom.cases.models import SocialWorkActivity

    world = build_world()
    client = compute_page(world, as_user)
    worker = MembershipFactory(organisation=world.a, role="school_social_worker")
    day = world.year.first_day
    for role, hours in (("short_support", "12.5"), ("consultation", "5"), ("bring_in_care", "0.5")):
        SocialWorkActivity.objects.create(social_worker=worker, school=world.a, role=role, hours=hours, date=day)
    page = client.get(f"{URL}?year={world.year}")
    esch = table_html(page, "realised-table").split("De Esch</th>")[1].split("</tr>")[0]
    for figure in ("280", "12.5", "5", "0.5", "18", "-262", "6.4\xa0%"):  # the page's language (English)
        assert f">{figure}</td>" in esch
    rows = csv_rows(client.get(f"{URL}?year={world.year}&table=realised&format=csv"))
    assert rows[1] == ["De Esch", "280.00", "12.50", "5.00", "0.50", "18.00", "-262.00", "6.4"]
    assert rows[-1] == ["Total", "640.00", "12.50", "5.00", "0.50", "18.00", "-622.00", "2.8"]
    sheet = xlsx_rows(client.get(f"{URL}?year={world.year}&table=realised&format=xlsx"))
    assert sheet[1] == ["De Esch", 280.0, 12.5, 5.0, 0.5, 18.0, -262.0, 6.4]


def pilot_with_budget() -> Pilot:
    pilot = Pilot.objects.get(kind="specific_care")
    pilot.schools.add(SchoolFactory(name="Het Erasmus"))
    pilot.participants = [
        {"party": "Gemeente Zwolle", "commitment": "Eén jeugdhulpverlener per school"},
        {"party": "Stichting Openbaar Onderwijs", "commitment": "Ruimte en tijd in school"},
    ]
    pilot.baseline = {"Gemeente Zwolle": "600000", "Schoolbesturen": "400000"}
    pilot.shrink_percent = Decimal(2)
    pilot.actual = {"1": "990000.00"}
    pilot.save()
    return pilot


def test_the_register_of_pilots(as_user) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    pilot = pilot_with_budget()
    client = as_user(world.bestuur)
    page = client.get("/monitoring/pilots/")
    html = page.content.decode()
    first, last = pilot.start_year, pilot.start_year + pilot.years - 1
    assert page.status_code == 200 and pilot.name in html and "Het Erasmus" in html
    assert f"{first}-{first + 1} up to and including {last}-{last + 1}" in html
    assert "Ruimte en tijd in school" in html and f"/monitoring/pilots/{pilot.pk}/budget/" in html
    rows = csv_rows(client.get("/monitoring/pilots/?format=csv"))
    mine = next(r for r in rows if r[0] == pilot.name)
    assert mine[2] == "Het Erasmus" and "Gemeente Zwolle: Eén jeugdhulpverlener per school" in mine[5]
    assert len(xlsx_rows(client.get("/monitoring/pilots/?format=xlsx"))) == len(rows)


def test_the_budget_page_shows_the_trajectory_actual_spending_and_what_if(as_user) -> None:  # type: ignore[no-untyped-def]
    """1 000 000 shrinking 2 % a year: 980000.00, 960400.00, 941192.00, 922368.16, 903920.80 (sum 4707880.96),
    split 60 : 40. Path A, 5 % twice and then 0: 950000.00, 902500.00 three times more (sum 4560000.00)."""
    world = build_world()
    pilot = pilot_with_budget()
    client = as_user(world.gemeente)
    url = f"/monitoring/pilots/{pilot.pk}/budget/"
    page = client.get(url, {"path_a": "5; 5; 0; 0; 0", "path_b": "0"})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="budget-chart"' in html and 'id="budget-data"' in html
    chart = json.loads(html.split('<script id="budget-data" type="application/json">')[1].split("</script>")[0])
    budget_bars, actual_bars = chart["series"]
    assert budget_bars["values"][1] == 980000.0 and budget_bars["texts"][1] == "€\xa0980,000"  # English page
    assert actual_bars["values"][2] is None and actual_bars["scaled"][2] is None  # no figures: marked, not zero
    year1 = table_html(page, "trajectory-table").split('scope="row">1</th>')[1].split("</tr>")[0]
    for figure in ("€\xa0980,000", "€\xa0588,000", "€\xa0392,000", "€\xa0990,000", "€\xa010,000"):
        assert f">{figure}</td>" in year1
    year2 = table_html(page, "trajectory-table").split('scope="row">2</th>')[1].split("</tr>")[0]
    assert ">€\xa0960,400</td>" in year2 and year2.count("—") == 2
    whatif = table_html(page, "whatif-table")
    assert (
        "Agreed (2 % a year)" in whatif
        and "Path A (5; 5; 0; 0; 0 %)" in whatif
        and "Path B (0; 0; 0; 0; 0 %)" in whatif
    )
    total = whatif.split("Total over the term</th>")[1].split("</tr>")[0]
    for figure in ("€\xa04,707,880.96", "€\xa04,560,000", "€\xa05,000,000"):
        assert f">{figure}</td>" in total

    rows = csv_rows(client.get(url, {"path_a": "5; 5; 0; 0; 0", "table": "whatif", "format": "csv"}))
    assert rows[0][2:] == ["Agreed (2 % a year)", "Path A (5; 5; 0; 0; 0 %)"]
    assert rows[2] == ["1", f"{pilot.start_year}-{pilot.start_year + 1}", "980000.00", "950000.00"]
    assert rows[-1] == ["Total over the term", "", "4707880.96", "4560000.00"]
    sheet = xlsx_rows(client.get(url, {"table": "trajectory", "format": "xlsx"}))
    assert sheet[0][2:] == [
        "Budget",
        "Gemeente Zwolle contributes",
        "Schoolbesturen contributes",
        "Actual spending",
        "Difference (actual minus budget)",
    ]
    assert sheet[2][2:] == [980000.0, 588000.0, 392000.0, 990000.0, 10000.0]
    baseline = csv_rows(client.get(url, {"table": "baseline", "format": "csv"}))
    assert baseline[1:] == [
        ["Gemeente Zwolle", "600000", "60.0"],
        ["Schoolbesturen", "400000", "40.0"],
        ["Total", "1000000", "100"],
    ]


@pytest.mark.parametrize(
    ("path", "reason"),
    [("vijf", "Give numbers"), ("100", "from 0 up to 100"), ("5; 5", "for each of the 5 years")],
)
def test_a_bad_what_if_path_is_an_error_on_its_field(as_user, path: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    pilot = pilot_with_budget()
    page = as_user(world.gemeente).get(f"/monitoring/pilots/{pilot.pk}/budget/", {"path_a": path})
    html = page.content.decode()
    assert page.status_code == 400 and reason in html and 'id="id_whatif_path_a_error"' in html
    assert "Path A" not in table_html(page, "whatif-table")


def test_a_pilot_without_baseline_says_so(as_user) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    pilot = Pilot.objects.get(kind="area")
    page = as_user(world.swv).get(f"/monitoring/pilots/{pilot.pk}/budget/")
    assert page.status_code == 200 and "No baseline has been recorded for this pilot yet." in page.content.decode()
    assert as_user(world.swv).get("/monitoring/pilots/999999/budget/").status_code == 404


def test_only_policy_staff_see_the_pages(as_user, client) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    pilot = pilot_with_budget()
    urls = [URL, f"{URL}?format=csv", "/monitoring/pilots/", f"/monitoring/pilots/{pilot.pk}/budget/"]
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    for role, organisation in (("intern_begeleider", world.a), ("school_social_worker", world.a)):
        other = as_user(MembershipFactory(organisation=organisation, role=role).user)
        for url in urls:
            assert other.get(url).status_code == 403, url
        assert other.post(URL, RULES).status_code == 403
        client.logout()
    assert AllocationRound.objects.count() == 0
    assert rounds.current_round(world.zwolle, world.year) is None


def test_the_municipality_records_the_nulmeting_and_actual_spending(as_user) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    pilot = Pilot.objects.get(kind="area")
    url = f"/monitoring/pilots/{pilot.pk}/budget/"
    client = as_user(world.gemeente)
    assert "Record the budget" in client.get(url).content.decode()
    # Bad input: a line without an amount, a negative amount, a shrink of 100 % -> 400, nothing changes.
    for lines, shrink, field in [
        ("Gemeente Zwolle", "2", "id_baseline_baseline_error"),
        ("Gemeente Zwolle; -5", "2", "id_baseline_baseline_error"),
        ("Gemeente Zwolle; 500000", "100", "id_baseline_shrink_percent_error"),
    ]:
        refused = client.post(url, {"action": "baseline", "baseline": lines, "shrink_percent": shrink})
        assert refused.status_code == 400 and field in refused.content.decode()
    pilot.refresh_from_db()
    assert pilot.baseline == {}
    saved = client.post(
        url,
        {
            "action": "baseline",
            "baseline": "Gemeente Zwolle; 600.000,00\nSchoolbesturen; 400000",
            "shrink_percent": "2",
        },
    )
    assert saved.status_code == 302
    pilot.refresh_from_db()
    assert pilot.baseline == {"Gemeente Zwolle": "600000.00", "Schoolbesturen": "400000.00"}
    assert client.post(url, {"action": "actual", "year": "9", "amount": "1"}).status_code == 400
    assert client.post(url, {"action": "actual", "year": "1", "amount": "975000"}).status_code == 302
    pilot.refresh_from_db()
    assert pilot.actual == {"1": "975000.00"}
    trajectory = table_html(client.get(url), "trajectory-table")
    assert "€\xa0975,000" in trajectory and "€\xa0-5,000" in trajectory  # actual minus the 980000 budget of year 1
    # Bloz (a school board) reads the budget but does not record it.
    bloz = as_user(world.bestuur)
    assert "Record the budget" not in bloz.get(url).content.decode()
    assert bloz.post(url, {"action": "actual", "year": "2", "amount": "1"}).status_code == 403
