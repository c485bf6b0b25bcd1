"""The calendar: working days skip weekends and Dutch public holidays (Algemene termijnenwet, through the `holidays`
library), Bevrijdingsdag per setting, school days also skip the region's school holidays, which ship for the
published school years and load from a CSV file."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from rondom.schoolcalendar.importer import HolidayFileError, load
from rondom.schoolcalendar.models import SchoolHoliday
from rondom.schoolcalendar.services import (
    add_working_days,
    is_school_day,
    is_working_day,
    public_holidays,
    region_of,
    school_days,
    school_days_between,
)
from tests.factories import SchoolFactory

DATA = Path(__file__).parent / "data"
SHIPPED = Path(__file__).parents[1] / "data" / "school_holidays.csv"


def _realworld_rows() -> list[dict[str, str]]:
    with (DATA / "09-working-days.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=";"))


@pytest.mark.parametrize("row", _realworld_rows(), ids=lambda row: row["why"])
def test_a_due_date_in_working_days_skips_the_public_holidays_of_the_realworld_file(row: dict[str, str]) -> None:
    start, days = date.fromisoformat(row["start"]), int(row["working_days"])
    assert add_working_days(start, days) == date.fromisoformat(row["right_due_date"])


def test_the_realworld_file_holds_its_four_cases() -> None:
    assert len(_realworld_rows()) == 4


def test_good_friday_is_a_working_day_as_the_algemene_termijnenwet_has_it() -> None:
    assert is_working_day(date(2026, 4, 3))
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 3)


def test_koningsdag_on_a_sunday_is_kept_on_saturday_26_april_and_the_monday_is_a_working_day() -> None:
    # 27 April 2025 was a Sunday: Koningsdag was Saturday 26 April; Monday 28 April is an ordinary working day.
    assert public_holidays(2025)[date(2025, 4, 26)] == "Koningsdag"
    assert date(2025, 4, 27) not in public_holidays(2025)
    assert add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 28)
    # 2031 too: the 27th is a Sunday, the holiday moves back to the 26th.
    assert date(2031, 4, 26) in public_holidays(2031)


def test_ascension_day_and_whit_monday_are_skipped() -> None:
    assert add_working_days(date(2027, 5, 5), 1) == date(2027, 5, 7)  # Hemelvaart Thursday 6 May 2027
    assert add_working_days(date(2027, 5, 14), 1) == date(2027, 5, 18)  # Tweede Pinksterdag Monday 17 May 2027


def test_new_years_day_is_skipped_across_the_turn_of_the_year() -> None:
    assert add_working_days(date(2028, 12, 29), 1) == date(2029, 1, 2)  # Friday; 1 January 2029 is a Monday
    assert add_working_days(date(2029, 12, 31), 1) == date(2030, 1, 2)  # 1 January 2030 is a Tuesday


@pytest.mark.parametrize(
    ("rule", "day", "off"),
    [
        ("lustrum", date(2025, 5, 5), True),
        ("lustrum", date(2026, 5, 5), False),
        ("lustrum", date(2030, 5, 5), True),
        ("yearly", date(2026, 5, 5), True),
        ("never", date(2025, 5, 5), False),
    ],
)
def test_liberation_day_is_a_day_off_as_the_sector_setting_says(rule: str, day: date, off: bool) -> None:
    with override_settings(LIBERATION_DAY_WORK=rule):
        assert is_working_day(day) is not off
        assert (day in public_holidays(day.year)) is off


def test_liberation_day_every_year_moves_a_deadline_past_it() -> None:
    # Monday 4 May 2026 + 1: Tuesday 5 May, or Wednesday 6 May where the CAO gives Bevrijdingsdag every year.
    with override_settings(LIBERATION_DAY_WORK="lustrum"):
        assert add_working_days(date(2026, 5, 4), 1) == date(2026, 5, 5)
    with override_settings(LIBERATION_DAY_WORK="yearly"):
        assert add_working_days(date(2026, 5, 4), 1) == date(2026, 5, 6)


def test_an_unknown_liberation_day_rule_is_a_configuration_error() -> None:
    from django.core.exceptions import ImproperlyConfigured

    with override_settings(LIBERATION_DAY_WORK="sometimes"), pytest.raises(ImproperlyConfigured):
        add_working_days(date(2026, 5, 4), 1)


def test_zero_working_days_is_the_start_and_a_negative_number_is_refused() -> None:
    assert add_working_days(date(2026, 4, 6), 0) == date(2026, 4, 6)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 4, 6), -1)


@pytest.mark.django_db
def test_the_published_school_holidays_of_three_school_years_ship_with_migrate() -> None:
    years = set(SchoolHoliday.objects.values_list("school_year", flat=True))
    assert {2025, 2026, 2027} <= years
    for year in (2025, 2026, 2027):
        for region in ("noord", "midden", "zuid"):
            names = set(SchoolHoliday.objects.filter(school_year=year, region=region).values_list("name", flat=True))
            assert names == {"Herfstvakantie", "Kerstvakantie", "Voorjaarsvakantie", "Meivakantie", "Zomervakantie"}
    noord_autumn = SchoolHoliday.objects.get(school_year=2025, region="noord", name="Herfstvakantie")
    assert (noord_autumn.first_day, noord_autumn.last_day) == (date(2025, 10, 18), date(2025, 10, 26))
    zuid_autumn = SchoolHoliday.objects.get(school_year=2025, region="zuid", name="Herfstvakantie")
    assert (zuid_autumn.first_day, zuid_autumn.last_day) == (date(2025, 10, 11), date(2025, 10, 19))


@pytest.mark.django_db
def test_the_shipped_school_holidays_agree_with_the_holidays_library_and_the_example_file() -> None:
    shipped = {
        (h.school_year, h.region, h.name): (h.first_day, h.last_day)
        for h in SchoolHoliday.objects.filter(school_year__in=[2025, 2026, 2027])
    }
    with SHIPPED.open(encoding="utf-8") as f:
        in_file = {
            (int(r["school_year"][:4]), r["region"], r["name"]): (
                date.fromisoformat(r["first_day"]),
                date.fromisoformat(r["last_day"]),
            )
            for r in csv.DictReader(f, delimiter=";")
        }
    assert shipped == in_file
    for (_year, region, name), (first, last) in shipped.items():
        library = holidays.NL(subdiv=region.capitalize(), years={first.year, last.year}, categories=("school",))
        day = first
        while day <= last:
            assert library.get(day) is not None, (region, name, day)
            day += timedelta(days=1)


@pytest.mark.django_db
def test_a_school_day_is_a_working_day_outside_the_school_holidays_of_the_region() -> None:
    # 2025 autumn: zuid is off 13-17 October, noord and midden the week after.
    assert not is_school_day(date(2025, 10, 14), "zuid")
    assert is_school_day(date(2025, 10, 14), "noord")
    assert not is_school_day(date(2025, 10, 21), "noord")
    assert not is_school_day(date(2025, 10, 18), "zuid")  # a Saturday
    assert not is_school_day(date(2026, 4, 6), "noord")  # Tweede Paasdag
    assert not is_school_day(date(2026, 5, 14), "midden")  # Hemelvaart


@pytest.mark.django_db
def test_school_days_between_counts_both_ends_and_skips_holidays() -> None:
    # Monday 13 October to Friday 31 October 2025 in noord: 15 weekdays, minus the autumn holiday week (20-24 Oct).
    assert school_days_between(date(2025, 10, 13), date(2025, 10, 31), "noord") == 10
    assert school_days_between(date(2025, 10, 13), date(2025, 10, 31), "zuid") == 10
    assert school_days_between(date(2025, 10, 13), date(2025, 10, 31), "midden") == 10
    assert (
        school_days_between(date(2025, 12, 19), date(2026, 1, 5), "noord") == 2
    )  # the Friday before, the Monday after
    assert school_days_between(date(2025, 10, 31), date(2025, 10, 13), "noord") == 0
    assert school_days(date(2025, 10, 17), date(2025, 10, 27), "noord") == [date(2025, 10, 17), date(2025, 10, 27)]


@pytest.mark.django_db
def test_a_school_without_its_own_region_is_in_the_configured_one() -> None:
    zwolle = SchoolFactory()
    assert region_of(zwolle) == "noord"
    zwolle.holiday_region = "zuid"
    assert region_of(zwolle) == "zuid"
    with override_settings(SCHOOL_HOLIDAY_REGION="midden"):
        assert region_of(SchoolFactory()) == "midden"
        assert region_of(None) == "midden"


NEXT_YEAR = """school_year;region;name;first_day;last_day
2028-2029;noord;Herfstvakantie;2028-10-14;2028-10-22
2028-2029;midden;Herfstvakantie;21-10-2028;29-10-2028
"""


@pytest.mark.django_db
def test_the_beheerder_loads_the_next_school_year_from_a_csv_file_and_loading_it_twice_changes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "2028-2029.csv"
    path.write_bytes(("\ufeff" + NEXT_YEAR).encode())  # a BOM, as Excel writes
    call_command("load_school_holidays", str(path))
    assert not is_school_day(date(2028, 10, 16), "noord")
    assert is_school_day(date(2028, 10, 16), "midden")
    assert not is_school_day(date(2028, 10, 23), "midden")
    before = list(SchoolHoliday.objects.values_list("pk", "first_day", "last_day").order_by("pk"))
    report = load(NEXT_YEAR.replace(";", ","))  # a comma as separator works too
    assert (report.created, report.updated) == (0, 2)
    assert list(SchoolHoliday.objects.values_list("pk", "first_day", "last_day").order_by("pk")) == before


@pytest.mark.django_db
def test_a_holiday_file_with_a_bad_row_names_line_and_field_in_dutch_and_changes_nothing() -> None:
    from django.utils import translation

    bad = NEXT_YEAR + "2028-2029;oost;Kerstvakantie;2028-12-23;2029-01-07\n2028-2029;noord;Mei;2029-05-06;2029-04-28\n"
    count = SchoolHoliday.objects.count()
    with translation.override("nl"), pytest.raises(HolidayFileError) as refused:
        load(bad)
    assert refused.value.errors == [
        "Regel 4, region: de regio is noord, midden of zuid.",
        "Regel 5, last_day: de laatste dag ligt voor de eerste dag.",
    ]
    assert SchoolHoliday.objects.count() == count


@pytest.mark.django_db
def test_the_load_command_refuses_a_file_without_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("jaar;regio\n2028;noord\n", encoding="utf-8")
    with pytest.raises(CommandError, match="first_day"):
        call_command("load_school_holidays", str(path))


def test_a_wrong_calendar_setting_is_reported_by_the_system_check() -> None:
    from rondom.schoolcalendar.apps import check_calendar_settings

    assert check_calendar_settings() == []
    with override_settings(LIBERATION_DAY_SCHOOL="soms", SCHOOL_HOLIDAY_REGION="oost"):
        assert [e.id for e in check_calendar_settings()] == ["schoolcalendar.E001", "schoolcalendar.E002"]
