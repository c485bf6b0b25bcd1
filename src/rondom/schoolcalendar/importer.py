"""Loading school holidays from a spreadsheet (the functioneel beheerder, once a year).

Format (the file data/school_holidays.csv is an example):

    school_year;region;name;first_day;last_day
    2026-2027;noord;Herfstvakantie;2026-10-10;2026-10-18

Read with the one reader of every import, rondom.spreadsheets: CSV in UTF-8 (with or without BOM), UTF-16
(Excel's "Unicode text"), Windows-1252 or latin-1, with `;`, `,` or tab as separator and Excel's `sep=;` line, or an
XLSX workbook (first sheet; date cells as dates). Dates as 2026-10-10 or 10-10-2026 (and the other Dutch forms
rondom.spreadsheets.parse_date reads). All rows or none: a file with one bad row changes nothing.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from rondom import spreadsheets

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


#: What `parse` and `load` read: the text of a CSV file, its bytes, a path, or an open (binary or text) file.
HolidaySource = str | bytes | os.PathLike[str] | IO[bytes] | IO[str]


def _date(value: Any) -> date | None:
    return spreadsheets.parse_date(value, ("%Y-%m-%d", "%d-%m-%Y"))


def _rows(source: HolidaySource) -> list[list[Any]]:
    """Every row of the file (header first), read by rondom.spreadsheets. Raises HolidayFileError when the file
    cannot be read as a table (binary, damaged, unclosed quotes)."""
    opened: Any = source
    if isinstance(source, str):
        opened = io.StringIO(source.lstrip("\ufeff"))
    elif isinstance(source, bytes):
        opened = io.BytesIO(source)
    try:
        with spreadsheets.open_table(opened) as table:
            return list(table.rows)
    except spreadsheets.UnreadableFile as exc:
        raise HolidayFileError([exc.reason]) from None


def parse(source: HolidaySource) -> list[SchoolHoliday]:
    """The rows of a holiday file as unsaved SchoolHoliday objects. `source`: the text of a CSV file, its bytes, a
    path or an open file (see the module's docstring for the formats). Raises HolidayFileError with every problem
    found (line, field, reason) when any row is wrong or the file cannot be read."""
    rows = _rows(source)
    header = [spreadsheets.cell_text(h).lower() for h in (rows[0] if rows else [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise HolidayFileError([_("The file lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)}])
    position = {c: header.index(c) for c in COLUMNS}
    errors: list[str] = []
    found: list[SchoolHoliday] = []
    seen: set[tuple[int, str, str]] = set()
    for number, cells in enumerate(rows[1:], start=2):
        raw = {c: cells[i] if i < len(cells) else "" for c, i in position.items()}
        row = {c: spreadsheets.cell_text(v) for c, v in raw.items()}
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
        first, last = _date(raw["first_day"]), _date(raw["last_day"])
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


def load(source: HolidaySource) -> LoadReport:
    """Load a holiday file (`source` as in `parse`): each (school year, region, name) is created or its dates
    updated; nothing else changes. All or nothing; loading the same file twice changes nothing the second time.
    Raises HolidayFileError (see `parse`)."""
    report = LoadReport()
    rows = parse(source)
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
