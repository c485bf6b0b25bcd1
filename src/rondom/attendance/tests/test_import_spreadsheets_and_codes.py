"""Absence files as spreadsheets make them (Excel's sep= line, UTF-16, cp1252, XLSX with serial dates, Dutch dates),
codes a mapping marks as "not absence" (skipped, not stored), and identifiers in ASCII digits only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from openpyxl import Workbook

from rondom.attendance import services
from rondom.attendance.importer import import_file, save_outcome
from rondom.attendance.models import AbsenceImport, AbsenceRecord, ColumnMapping
from tests.factories import pupil_with_bsn

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 20)
BSN = "100000071"  # the pupil of the realworld files (passes the elfproef)


def _run(path: Path, school, mapping, user):  # type: ignore[no-untyped-def]
    return import_file(path, file_name=path.name, school_id=school.pk, mapping=mapping, user=user, today=TODAY)


@pytest.fixture
def pupil(school):  # type: ignore[no-untyped-def]
    child = pupil_with_bsn(0, school=school)
    child.set_bsn(BSN)
    child.save()
    return child


def stored() -> list[tuple[date, int, str, int]]:
    return sorted(AbsenceRecord.objects.values_list("date", "lesson_hour", "kind", "minutes"))


# --- realworld 05: Excel's sep= line ---------------------------------------------------------------------------


def test_realworld_05_excels_sep_line_is_understood_and_three_rows_are_imported(school, admin, mapping, pupil) -> None:  # type: ignore[no-untyped-def]
    assert (DATA / "05-absence-sep-line.csv").read_text().startswith("sep=;")

    report = _run(DATA / "05-absence-sep-line.csv", school, mapping, admin)

    assert report.ok, report.errors
    assert (report.rows, report.inserted) == (3, 3)
    assert stored() == [
        (date(2026, 11, 16), 1, "unauthorised", 60),
        (date(2026, 11, 16), 2, "unauthorised", 60),
        (date(2026, 11, 17), 0, "sick", 300),
    ]


def test_realworld_05_through_the_command_as_in_the_readme(school, admin, mapping, pupil, capsys) -> None:  # type: ignore[no-untyped-def]
    school.brin, school.vestiging = "12AB", "00"
    school.save()
    call_command(
        "import_absence",
        str(DATA / "05-absence-sep-line.csv"),
        "--school",
        "12AB00",
        "--mapping",
        mapping.name,
        "--user",
        admin.username,
        "--no-progress",
        "--no-evaluate",
    )
    assert "3 rows: 3 new" in capsys.readouterr().out


# --- realworld 07: Magister codes, some of which are not absence -----------------------------------------------


def _magister_codes_text() -> str:
    """The code lines of 07's .mapping.txt (its first line describes the columns; "#" lines are comments)."""
    lines = (DATA / "07-absence-magister-codes.mapping.txt").read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines[1:] if line.strip() and not line.startswith("#"))


MAGISTER_FORM = {
    "name": "Magister",
    "school_system": "Magister",
    "bsn_column": "BSN",
    "date_column": "Datum",
    "kind_column": "Code",
    "hours_column": "",
    "lesson_hour_column": "Lesuur",
    "date_format": "%d-%m-%Y",
    "lesson_minutes": 50,
}


def test_realworld_07_the_mapping_form_accepts_codes_that_are_not_absence(login, school, admin) -> None:  # type: ignore[no-untyped-def]
    codes = _magister_codes_text() + "\nHV = geen verzuim\nPR = negeren\nBV = geen"

    response = login(admin).post("/verzuim/koppelingen/nieuw/", {**MAGISTER_FORM, "kind_codes": codes})

    assert response.status_code == 302
    mapping = ColumnMapping.objects.get(name="Magister")
    assert mapping.skip_codes == ["HV", "PR", "BV"]
    assert mapping.kind_codes["A"] == "unauthorised" and mapping.kind_codes["Zb"] == "sick"
    assert "HV" not in mapping.kind_codes
    page = login(admin).get(f"/verzuim/koppelingen/{mapping.pk}/").content.decode()
    assert "HV = geen verzuim" in page  # shown back as it can be saved again


def test_realworld_07_a_and_zb_rows_are_imported_and_the_rest_skipped(login, school, admin, pupil) -> None:  # type: ignore[no-untyped-def]
    codes = _magister_codes_text() + "\nHV = geen verzuim\nPR = geen verzuim"
    login(admin).post("/verzuim/koppelingen/nieuw/", {**MAGISTER_FORM, "kind_codes": codes})
    mapping = ColumnMapping.objects.get(name="Magister")

    report = _run(DATA / "07-absence-magister-codes.csv", school, mapping, admin)

    assert report.ok, report.errors
    assert (report.rows, report.inserted, report.skipped, report.unchanged) == (4, 2, 2, 0)
    assert stored() == [(date(2026, 11, 19), 1, "unauthorised", 50), (date(2026, 11, 19), 2, "sick", 50)]


def test_without_a_skip_line_the_unknown_codes_are_still_reported_per_row(school, admin, pupil) -> None:  # type: ignore[no-untyped-def]
    kind_codes, skip = services.parse_kind_codes(_magister_codes_text() + "\nHV = geen verzuim")
    mapping = ColumnMapping.objects.create(
        owner=school, **{k: v for k, v in MAGISTER_FORM.items()}, kind_codes=kind_codes, skip_codes=skip
    )

    report = _run(DATA / "07-absence-magister-codes.csv", school, mapping, admin)

    assert not report.ok and not AbsenceRecord.objects.exists()
    assert [(e["row"], e["column"]) for e in report.errors] == [(5, "Code")]  # PR; HV is skipped
    assert "Unknown kind of absence" in report.errors[0]["reason"] and "HV" in report.errors[0]["reason"]


def test_an_empty_meaning_is_still_refused_naming_the_line() -> None:
    with pytest.raises(ValidationError) as refused:
        services.parse_kind_codes("A = ongeoorloofd\nHV =")
    assert "Line 2" in refused.value.message_dict["kind_codes"][0]
    assert "geen verzuim" in refused.value.message_dict["kind_codes"][0]


def test_only_skip_codes_are_not_a_mapping() -> None:
    with pytest.raises(ValidationError):
        services.parse_kind_codes("HV = geen verzuim")


def test_the_stored_import_records_the_skipped_rows(school, admin, pupil) -> None:  # type: ignore[no-untyped-def]
    kind_codes, skip = services.parse_kind_codes("A = ongeoorloofd\nZb = ziek\nHV = geen verzuim\nPR = overslaan")
    mapping = ColumnMapping.objects.create(
        owner=school, **{k: v for k, v in MAGISTER_FORM.items()}, kind_codes=kind_codes, skip_codes=skip
    )
    record = AbsenceImport.objects.create(school=school, mapping=mapping, file_name="07.csv", uploaded_by=admin)
    report = _run(DATA / "07-absence-magister-codes.csv", school, mapping, admin)
    save_outcome(record, report)

    record.refresh_from_db()
    assert (record.status, record.inserted, record.skipped) == ("done", 2, 2)


# --- beyond the files: encodings, XLSX serial dates, Dutch dates -------------------------------------------------

ROWS = [
    ["BSN", "Datum", "Soort", "Uren", "Lesuur"],
    [BSN, "16-11-2026", "O", "", "1"],
    [BSN, "17-11-2026", "Z", "5", ""],
]
EXPECTED = [(date(2026, 11, 16), 1, "unauthorised", 60), (date(2026, 11, 17), 0, "sick", 300)]


def test_a_utf16_unicode_text_export_is_read(tmp_path, school, admin, mapping, pupil) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "verzuim.txt"
    path.write_bytes("\r\n".join("\t".join(r) for r in ROWS).encode("utf-16"))  # with its BOM, tab separated

    report = _run(path, school, mapping, admin)

    assert report.ok, report.errors
    assert stored() == EXPECTED


def test_a_cp1252_file_with_a_sep_line_and_commas_is_read(tmp_path, school, admin, mapping, pupil) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "verzuim.csv"
    lines = ["sep=,", "BSN,Datum,Soort,Uren,Lesuur,Opmerking"]
    lines += [",".join([*r, "één – café"]) for r in ROWS[1:]]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))

    report = _run(path, school, mapping, admin)

    assert report.ok, report.errors
    assert stored() == EXPECTED


def test_an_xlsx_with_serial_dates_and_number_cells_is_read(tmp_path, school, admin, mapping, pupil) -> None:  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    sheet.append(ROWS[0])
    sheet.append([int(BSN), 46342, "O", None, 1])  # 46342: 16-11-2026 as a number cell without a date format
    sheet.append([float(BSN), 46343.0, "Z", 5.0, None])  # the same as floats
    sheet.append([BSN, date(2026, 11, 18), "O", None, 3.0])  # a real date cell
    path = tmp_path / "verzuim.xlsx"
    book.save(path)

    report = _run(path, school, mapping, admin)

    assert report.ok, report.errors
    assert stored() == [*EXPECTED, (date(2026, 11, 18), 3, "unauthorised", 60)]


@pytest.mark.parametrize(
    "written",
    ["16-11-2026", "16/11/2026", "16.11.2026", "2026-11-16", "16 november 2026", "16 nov. 2026", "16-11-2026 00:00"],
)
def test_dutch_ways_to_write_a_date_are_read(written, tmp_path, school, admin, mapping, pupil) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "verzuim.csv"
    path.write_text(f"BSN;Datum;Soort;Uren;Lesuur\n{BSN};{written};O;;1\n", encoding="utf-8")

    report = _run(path, school, mapping, admin)

    assert report.ok, report.errors
    assert stored() == [(date(2026, 11, 16), 1, "unauthorised", 60)]


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (["\u0661\u0660\u0660\u0660\u0660\u0660\u0660\u0667\u0661", "16-11-2026", "O", "", "1"], "BSN", "0-9"),
        ([BSN, "\u0661\u0666-11-2026", "O", "", "1"], "Datum", "format"),
        ([BSN, "16-11-2026", "O", "", "\u0663"], "Lesuur", "whole number"),
        ([BSN, "16-11-2026", "O", "", "\uff13"], "Lesuur", "whole number"),
        ([BSN, "16-11-2026", "Z", "\u096b", ""], "Uren", "not a number"),
        ([BSN, "16-11-2026", "Z", "NaN", ""], "Uren", "not a number"),
        ([BSN, "16-11-2026", "Z", "Infinity", ""], "Uren", "not a number"),
    ],
    ids=[
        "arabic-indic bsn",
        "arabic-indic date",
        "arabic-indic hour",
        "fullwidth hour",
        "devanagari hours",
        "nan",
        "inf",
    ],
)
def test_cells_with_other_than_ascii_digits_are_row_errors(  # type: ignore[no-untyped-def]
    cells, column, reason, tmp_path, school, admin, mapping, pupil
) -> None:
    path = tmp_path / "verzuim.csv"
    path.write_text("BSN;Datum;Soort;Uren;Lesuur\n" + ";".join(cells) + "\n", encoding="utf-8")

    report = _run(path, school, mapping, admin)

    assert [(e["row"], e["column"]) for e in report.errors] == [(2, column)]
    assert reason in report.errors[0]["reason"]
    assert not AbsenceRecord.objects.exists()
