"""Loading school holidays from a CSV file (the functioneel beheerder, once a year).

Format (the file data/school_holidays.csv is an example; `;` or `,` as separator, UTF-8 with or without BOM):

    school_year;region;name;first_day;last_day
    2026-2027;noord;Herfstvakantie;2026-10-10;2026-10-18

Dates as 2026-10-10 or 10-10-2026. All rows or none: a file with one bad row changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Region, SchoolHoliday

COLUMNS = ("school_year", "region", "name", "first_day", "last_day")


class HolidayFileError(ValueError):
    """The file cannot be loaded; `errors` holds one Dutch message per problem (line and field named)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    school_years: set[int] = field(default_factory=set)


def _date(value: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def parse(text: str) -> list[SchoolHoliday]:
    """The rows of a holiday file as unsaved SchoolHoliday objects. Raises HolidayFileError with every problem
    found (line, field, reason) when any row is wrong."""
    text = text.lstrip("\ufeff")
    first_line = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    missing = [c for c in COLUMNS if c not in [(h or "").strip().lower() for h in reader.fieldnames or []]]
    if missing:
        raise HolidayFileError([_("The file lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)}])
    errors: list[str] = []
    found: list[SchoolHoliday] = []
    seen: set[tuple[int, str, str]] = set()
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue

        def fail(column: str, reason: str, number: int = number) -> None:
            errors.append(
                _("Line %(line)d, %(column)s: %(reason)s") % {"line": number, "column": column, "reason": reason}
            )

        year_match = re.fullmatch(r"(\d{4})\s*[-/]\s*(\d{4})", row["school_year"])
        start_year = int(year_match.group(1)) if year_match else None
        if year_match is None or int(year_match.group(2)) != int(year_match.group(1)) + 1:
            fail("school_year", _("write the school year as 2026-2027."))
        region = row["region"].lower()
        if region not in Region.values:
            fail("region", _("the region is noord, midden or zuid."))
        name = row["name"]
        if not name or len(name) > 60:
            fail("name", _("give the holiday a name of at most 60 characters."))
        first, last = _date(row["first_day"]), _date(row["last_day"])
        if first is None:
            fail("first_day", _("not a date (write 2026-10-10 or 10-10-2026)."))
        if last is None:
            fail("last_day", _("not a date (write 2026-10-10 or 10-10-2026)."))
        if first and last and last < first:
            fail("last_day", _("the last day lies before the first day."))
        if start_year and first and not date(start_year, 8, 1) <= first <= date(start_year + 1, 9, 30):
            fail("first_day", _("the holiday does not fall in school year %(year)s.") % {"year": row["school_year"]})
        key = (start_year or 0, region, name)
        if key in seen:
            fail("name", _("this holiday occurs twice for this region and school year."))
        seen.add(key)
        if start_year and first and last:
            found.append(
                SchoolHoliday(school_year=start_year, region=region, name=name, first_day=first, last_day=last)
            )
    if errors:
        raise HolidayFileError(errors)
    if not found:
        raise HolidayFileError([_("The file holds no holidays.")])
    return found


def load(text: str) -> LoadReport:
    """Load a holiday file: each (school year, region, name) is created or its dates updated; nothing else
    changes. All or nothing; loading the same file twice changes nothing the second time. Raises
    HolidayFileError (see `parse`)."""
    report = LoadReport()
    rows = parse(text)
    with transaction.atomic():
        for row in rows:
            _obj, created = SchoolHoliday.objects.update_or_create(
                school_year=row.school_year,
                region=row.region,
                name=row.name,
                defaults={"first_day": row.first_day, "last_day": row.last_day},
            )
            report.created += created
            report.updated += not created
            report.school_years.add(row.school_year)
    return report
