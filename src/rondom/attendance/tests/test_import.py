"""The absence import: idempotent, all-or-nothing with a per-row report, and only for the school's own admin."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from rondom.attendance.importer import import_file
from rondom.attendance.models import AbsenceRecord
from rondom.audit.models import AccessLogEntry
from tests.factories import MembershipFactory, make_bsn, pupil_with_bsn

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)


def _run(path, school, mapping, user, **kw):  # type: ignore[no-untyped-def]
    return import_file(path, file_name=path.name, school_id=school.pk, mapping=mapping, user=user, today=TODAY, **kw)


def _rows(n_pupils: int = 3) -> list[list[object]]:
    rows: list[list[object]] = []
    for seed in range(n_pupils):
        rows.append([make_bsn(seed), "02-11-2026", "O", "", "1"])
        rows.append([make_bsn(seed), "02-11-2026", "O", "", "2"])
        rows.append([make_bsn(seed), "03-11-2026", "Z", "5,5", ""])
    return rows


def test_import_writes_rows_and_a_second_import_of_the_same_file_changes_nothing(
    school, admin, mapping, write_csv
) -> None:
    for seed in range(3):
        pupil_with_bsn(seed, school=school)
    path = write_csv(_rows())
    first = _run(path, school, mapping, admin)
    assert first.ok and (first.rows, first.inserted, first.updated, first.unchanged) == (9, 9, 0, 0)
    stored = sorted(AbsenceRecord.objects.values_list("child_id", "date", "lesson_hour", "kind", "minutes"))
    assert len(stored) == 9
    assert {r[4] for r in stored} == {60, 330}  # a lesson hour of 60 minutes; 5,5 hours

    second = _run(path, school, mapping, admin)
    assert second.ok and (second.inserted, second.updated, second.unchanged) == (0, 0, 9)
    assert sorted(AbsenceRecord.objects.values_list("child_id", "date", "lesson_hour", "kind", "minutes")) == stored


def test_a_corrected_export_updates_only_the_changed_row(school, admin, mapping, write_csv) -> None:
    pupil_with_bsn(0, school=school)
    _run(
        write_csv([[make_bsn(0), "02-11-2026", "O", "", "1"], [make_bsn(0), "03-11-2026", "O", "2", ""]]),
        school,
        mapping,
        admin,
    )
    report = _run(
        write_csv([[make_bsn(0), "02-11-2026", "G", "", "1"], [make_bsn(0), "03-11-2026", "O", "2", ""]], "v2.csv"),
        school,
        mapping,
        admin,
    )
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    assert AbsenceRecord.objects.get(lesson_hour=1).kind == "authorised"


def test_one_bad_row_refuses_the_whole_file_and_reports_row_column_reason(school, admin, mapping, write_csv) -> None:
    for seed in range(3):
        pupil_with_bsn(seed, school=school)
    rows = _rows()
    rows.insert(4, [make_bsn(0), "31-12-2026", "O", "", "3"])  # file row 6: in the future
    report = _run(write_csv(rows), school, mapping, admin)
    assert not report.ok
    assert report.errors == [{"row": 6, "column": "Datum", "reason": "The date lies in the future."}]
    assert AbsenceRecord.objects.count() == 0
    assert not AccessLogEntry.objects.filter(object_type="absence_import").exists()


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ([make_bsn(99), "02-11-2026", "O", "", "1"], "BSN", "Unknown pupil"),
        (["12345", "02-11-2026", "O", "", "1"], "BSN", "not a BSN"),
        ([make_bsn(0), "02-13-2026", "O", "", "1"], "Datum", "format 31-12-2026"),
        ([make_bsn(0), "02-11-2026", "X", "", "1"], "Soort", "Unknown kind"),
        ([make_bsn(0), "02-11-2026", "O", "veel", ""], "Uren", "not a number"),
        ([make_bsn(0), "02-11-2026", "O", "30", ""], "Uren", "at most 24"),
        ([make_bsn(0), "02-11-2026", "O", "", "16"], "Lesuur", "1 to 15"),
        ([make_bsn(0), "02-11-2026", "O", "", ""], "Uren", "Neither hours nor a lesson hour"),
        ([make_bsn(0), "02-11-2026", "O", "", "1"], "Lesuur", "twice"),
        ([make_bsn(0), "02-11-2026", "O", "5", ""], "Lesuur", "overlaps"),
    ],
)
def test_each_kind_of_bad_row_is_named(school, admin, mapping, write_csv, row, column, reason) -> None:  # type: ignore[no-untyped-def]
    pupil_with_bsn(0, school=school)
    report = _run(write_csv([[make_bsn(0), "02-11-2026", "O", "", "1"], row]), school, mapping, admin)
    assert report.error_count == 1
    assert report.errors[0]["row"] == 3 and report.errors[0]["column"] == column
    assert reason in report.errors[0]["reason"]
    assert AbsenceRecord.objects.count() == 0


def test_pupils_of_another_school_are_unknown(school, admin, mapping, write_csv) -> None:
    pupil_with_bsn(0)  # another school
    report = _run(write_csv([[make_bsn(0), "02-11-2026", "O", "", "1"]]), school, mapping, admin)
    assert "Unknown pupil" in report.errors[0]["reason"]


def test_the_report_never_repeats_the_cell_value(school, admin, mapping, write_csv) -> None:
    report = _run(write_csv([[make_bsn(5), "02-11-2026", "O", "", "1"]]), school, mapping, admin)
    assert make_bsn(5) not in str(report.errors)


def test_a_file_missing_a_mapped_column_is_refused(school, admin, mapping, tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("BSN;Datum;Uren\n123;02-11-2026;1\n")
    report = _run(path, school, mapping, admin)
    assert report.errors[0]["row"] == 1 and "Soort" in report.errors[0]["reason"]


@pytest.mark.parametrize(
    ("name", "content"), [("v.pdf", b"%PDF-1.4"), ("v.csv", b"\x00\x01\x02binary"), ("v.xlsx", b"not a zip")]
)
def test_wrong_file_types_are_refused(school, admin, mapping, tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    report = _run(path, school, mapping, admin)
    assert not report.ok and report.errors[0]["row"] == 1
    assert AbsenceRecord.objects.count() == 0


def test_xlsx_exports_import_the_same_as_csv(school, admin, mapping, tmp_path: Path) -> None:
    pupil_with_bsn(0, school=school)
    book = Workbook()
    sheet = book.active
    sheet.append(["BSN", "Datum", "Soort", "Uren", "Lesuur"])
    sheet.append([make_bsn(0), date(2026, 11, 2), "O", None, 1])
    sheet.append([make_bsn(0), "03-11-2026", "z", 2.5, None])
    path = tmp_path / "verzuim.xlsx"
    book.save(path)
    report = _run(path, school, mapping, admin)
    assert report.ok and report.inserted == 2
    assert sorted(AbsenceRecord.objects.values_list("kind", "minutes")) == [("sick", 150), ("unauthorised", 60)]


def test_only_the_schools_functional_admin_may_import_and_every_pupil_written_is_logged(
    school, admin, mapping, write_csv
) -> None:
    for seed in range(2):
        pupil_with_bsn(seed, school=school)
    teacher = MembershipFactory(organisation=school, role="teacher").user
    other_admin = MembershipFactory(role="functional_admin").user
    path = write_csv(_rows(2))
    for user in (teacher, other_admin):
        with pytest.raises(PermissionError):
            _run(path, school, mapping, user)
    report = _run(path, school, mapping, admin)
    rows = AccessLogEntry.objects.filter(object_type="absence_import")
    assert report.pupils == 2 and rows.count() == 2
    assert {(r.user_id, r.category, r.action, r.ground) for r in rows} == {
        (admin.pk, "absence", "create", "school_role")
    }


def test_progress_is_reported_while_streaming(school, admin, mapping, write_csv) -> None:
    pupil_with_bsn(0, school=school)
    start = date(2026, 1, 5)
    rows = [
        [make_bsn(0), (start + timedelta(days=d)).strftime("%d-%m-%Y"), "O", "", str(h)]
        for d in range(300)
        for h in range(1, 15)
    ]
    seen: list[tuple[int, float]] = []
    report = _run(write_csv(rows), school, mapping, admin, progress=lambda r, f: seen.append((r, f)))
    assert report.ok and report.rows == 4200
    assert seen[-1] == (4200, 1.0)
