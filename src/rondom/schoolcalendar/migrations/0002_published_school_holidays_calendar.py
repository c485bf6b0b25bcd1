"""The school holidays of school years 2025-2026, 2026-2027 and 2027-2028 for the three regions, as the Ministry
of Education set them (Regeling vaststelling schoolvakanties 2025-2030, Stcrt. 2024-19237; published on
rijksoverheid.nl). Saturday to Sunday, inclusive. The beheerder loads later years with `load_school_holidays`.
A test checks these rows against the `holidays` library and against data/school_holidays.csv."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import migrations

ROWS: list[tuple[int, str, str, str, str]] = [
    (2025, "midden", "Herfstvakantie", "2025-10-18", "2025-10-26"),
    (2025, "midden", "Kerstvakantie", "2025-12-20", "2026-01-04"),
    (2025, "midden", "Voorjaarsvakantie", "2026-02-14", "2026-02-22"),
    (2025, "midden", "Meivakantie", "2026-04-25", "2026-05-03"),
    (2025, "midden", "Zomervakantie", "2026-07-18", "2026-08-30"),
    (2025, "noord", "Herfstvakantie", "2025-10-18", "2025-10-26"),
    (2025, "noord", "Kerstvakantie", "2025-12-20", "2026-01-04"),
    (2025, "noord", "Voorjaarsvakantie", "2026-02-21", "2026-03-01"),
    (2025, "noord", "Meivakantie", "2026-04-25", "2026-05-03"),
    (2025, "noord", "Zomervakantie", "2026-07-04", "2026-08-16"),
    (2025, "zuid", "Herfstvakantie", "2025-10-11", "2025-10-19"),
    (2025, "zuid", "Kerstvakantie", "2025-12-20", "2026-01-04"),
    (2025, "zuid", "Voorjaarsvakantie", "2026-02-14", "2026-02-22"),
    (2025, "zuid", "Meivakantie", "2026-04-25", "2026-05-03"),
    (2025, "zuid", "Zomervakantie", "2026-07-11", "2026-08-23"),
    (2026, "midden", "Herfstvakantie", "2026-10-17", "2026-10-25"),
    (2026, "midden", "Kerstvakantie", "2026-12-19", "2027-01-03"),
    (2026, "midden", "Voorjaarsvakantie", "2027-02-20", "2027-02-28"),
    (2026, "midden", "Meivakantie", "2027-04-24", "2027-05-02"),
    (2026, "midden", "Zomervakantie", "2027-07-17", "2027-08-29"),
    (2026, "noord", "Herfstvakantie", "2026-10-10", "2026-10-18"),
    (2026, "noord", "Kerstvakantie", "2026-12-19", "2027-01-03"),
    (2026, "noord", "Voorjaarsvakantie", "2027-02-20", "2027-02-28"),
    (2026, "noord", "Meivakantie", "2027-04-24", "2027-05-02"),
    (2026, "noord", "Zomervakantie", "2027-07-10", "2027-08-22"),
    (2026, "zuid", "Herfstvakantie", "2026-10-17", "2026-10-25"),
    (2026, "zuid", "Kerstvakantie", "2026-12-19", "2027-01-03"),
    (2026, "zuid", "Voorjaarsvakantie", "2027-02-13", "2027-02-21"),
    (2026, "zuid", "Meivakantie", "2027-04-24", "2027-05-02"),
    (2026, "zuid", "Zomervakantie", "2027-07-24", "2027-09-05"),
    (2027, "midden", "Herfstvakantie", "2027-10-16", "2027-10-24"),
    (2027, "midden", "Kerstvakantie", "2027-12-25", "2028-01-09"),
    (2027, "midden", "Voorjaarsvakantie", "2028-02-26", "2028-03-05"),
    (2027, "midden", "Meivakantie", "2028-04-29", "2028-05-07"),
    (2027, "midden", "Zomervakantie", "2028-07-08", "2028-08-20"),
    (2027, "noord", "Herfstvakantie", "2027-10-16", "2027-10-24"),
    (2027, "noord", "Kerstvakantie", "2027-12-25", "2028-01-09"),
    (2027, "noord", "Voorjaarsvakantie", "2028-02-19", "2028-02-27"),
    (2027, "noord", "Meivakantie", "2028-04-29", "2028-05-07"),
    (2027, "noord", "Zomervakantie", "2028-07-15", "2028-08-27"),
    (2027, "zuid", "Herfstvakantie", "2027-10-23", "2027-10-31"),
    (2027, "zuid", "Kerstvakantie", "2027-12-25", "2028-01-09"),
    (2027, "zuid", "Voorjaarsvakantie", "2028-02-26", "2028-03-05"),
    (2027, "zuid", "Meivakantie", "2028-04-29", "2028-05-07"),
    (2027, "zuid", "Zomervakantie", "2028-07-22", "2028-09-03"),
]


def load(apps: Any, schema_editor: Any) -> None:
    holiday = apps.get_model("schoolcalendar", "SchoolHoliday")
    for school_year, region, name, first, last in ROWS:
        holiday.objects.update_or_create(
            school_year=school_year,
            region=region,
            name=name,
            defaults={"first_day": date.fromisoformat(first), "last_day": date.fromisoformat(last)},
        )


def unload(apps: Any, schema_editor: Any) -> None:
    holiday = apps.get_model("schoolcalendar", "SchoolHoliday")
    holiday.objects.filter(school_year__in={row[0] for row in ROWS}).delete()


class Migration(migrations.Migration):
    dependencies = [("schoolcalendar", "0001_school_holidays_calendar")]
    operations = [migrations.RunPython(load, unload)]
