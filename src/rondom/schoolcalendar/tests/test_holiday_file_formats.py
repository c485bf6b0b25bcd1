"""The school-holiday importer reads files as every import does (rondom.spreadsheets): the encodings Excel writes,
Excel's `sep=` line, any of the usual separators, and XLSX workbooks (issue 13, "one spreadsheet reader")."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from rondom.schoolcalendar.importer import HolidayFileError, load, parse
from rondom.schoolcalendar.models import SchoolHoliday

pytestmark = pytest.mark.django_db

#: "één" in a name tells a wrong decoding apart.
HEADER = ["school_year", "region", "name", "first_day", "last_day"]
ROWS = [
    ["2028-2029", "noord", "Herfstvakantie", "2028-10-14", "2028-10-22"],
    ["2028-2029", "zuid", "Carnaval één", "17-02-2029", "25-02-2029"],
]
EXPECTED = {
    ("noord", "Herfstvakantie", date(2028, 10, 14), date(2028, 10, 22)),
    ("zuid", "Carnaval één", date(2029, 2, 17), date(2029, 2, 25)),
}


def _csv(delimiter: str = ";", first_line: str = "") -> str:
    return first_line + "\r\n".join(delimiter.join(row) for row in [HEADER, *ROWS]) + "\r\n"


def _found(rows: list[SchoolHoliday]) -> set[tuple[str, str, date, date]]:
    return {(r.region, r.name, r.first_day, r.last_day) for r in rows}


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(_csv().encode("utf-8"), id="utf-8"),
        pytest.param(_csv().encode("utf-8-sig"), id="utf-8 with BOM"),
        pytest.param(_csv().encode("cp1252"), id="cp1252 (Excel on Windows)"),
        pytest.param(_csv("\t").encode("utf-16"), id="utf-16 tab-separated (Excel unicode text)"),
        pytest.param(_csv(",", "sep=,\r\n").encode("utf-8"), id="sep= line"),
        pytest.param(_csv("\t").encode("latin-1"), id="latin-1 tab"),
    ],
)
def test_holiday_files_in_every_encoding_and_separator_excel_writes_are_read(raw: bytes) -> None:
    assert _found(parse(raw)) == EXPECTED
    assert _found(parse(io.BytesIO(raw))) == EXPECTED


def test_an_xlsx_workbook_with_date_cells_is_read(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["2028-2029", "noord", "Herfstvakantie", datetime(2028, 10, 14), datetime(2028, 10, 22)])
    sheet.append(["2028-2029", "zuid", "Carnaval één", "17-02-2029", date(2029, 2, 25)])
    path = tmp_path / "vakanties.xlsx"
    workbook.save(path)
    assert _found(parse(path)) == EXPECTED
    call_command("load_school_holidays", str(path), stdout=io.StringIO())
    assert SchoolHoliday.objects.filter(school_year=2028, region="zuid", name="Carnaval één").exists()


def test_the_command_loads_a_cp1252_file_it_once_refused(tmp_path: Path) -> None:
    path = tmp_path / "vakanties.csv"
    path.write_bytes(_csv().encode("cp1252"))
    call_command("load_school_holidays", str(path), stdout=io.StringIO())
    assert SchoolHoliday.objects.get(school_year=2028, region="zuid").name == "Carnaval één"


def test_a_binary_or_damaged_file_is_refused_with_a_reason_and_changes_nothing() -> None:
    count = SchoolHoliday.objects.count()
    with pytest.raises(HolidayFileError) as refused:
        load(b"PK\x03\x04 not a workbook at all")
    assert refused.value.errors and "CSV" in refused.value.errors[0]
    with pytest.raises(HolidayFileError):
        load(_csv() + '2028-2029;noord;"Kerst;2028-12-23;2029-01-07\n')
    assert SchoolHoliday.objects.count() == count
