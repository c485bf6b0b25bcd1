"""The roster findings of the review of issue 15 (review/15: tests/test_review_15.py, findings 1, 2, 5, 7 and 8),
adapted to the roster's own fixtures, with the tests the fixes need besides (the purge of old uploads)."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.utils import translation

from rondom.accounts.models import Organisation, User
from rondom.registry.models import Child, RefusedBsn
from rondom.roster import services, uploads
from rondom.roster.edexml import parse_edexml_text
from rondom.roster.models import RosterUpload, UploadStatus
from rondom.roster.services import apply_roster
from rondom.roster.types import RosterRefused
from tests.factories import SchoolFactory, make_bsn

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def _xml(pupils: str, *, brin: str = "07VL", groups: str = "") -> str:
    groups = groups or '<groep key="G7B"><naam>7B</naam><jaargroep>7</jaargroep></groep>'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<EDEX>\n<school><schooljaar>2026-2027</schooljaar>'
        f"<brincode>{brin}</brincode><dependancecode>00</dependancecode></school>\n"
        f"<groepen>{groups}</groepen>\n<leerlingen>\n{pupils}\n</leerlingen>\n</EDEX>\n"
    )


def _pupil(key: str, name: str, born: str = "2015-04-12", family: str = "Test", extra: str = "") -> str:
    return (
        f'<leerling key="{key}"><achternaam>{family}</achternaam><roepnaam>{name}</roepnaam>'
        f'<geboortedatum>{born}</geboortedatum><groep key="G7B"/>{extra}</leerling>'
    )


def _child_elsewhere(school: Organisation, seed: int) -> tuple[Child, str]:
    other = SchoolFactory(municipality=school.municipality)
    child = Child.objects.create(
        given_name="Bram", family_name="Jansen", date_of_birth=date(2013, 1, 2), school=other,
        home_municipality=school.municipality,
    )  # fmt: skip
    bsn = make_bsn(seed)
    child.set_bsn(bsn)
    child.save()
    return child, bsn


def _elfproef_failure(seed: int) -> str:
    """Nine ASCII digits that fail the elfproef (a valid BSN with its last digit changed)."""
    bsn = make_bsn(seed)
    return bsn[:8] + str((int(bsn[8]) + 1) % 10)


# --- finding 1 -------------------------------------------------------------------------------------------------------


def test_roster_a_bsn_of_another_schools_child_with_other_name_and_birth_date_is_refused_not_taken_over(
    school: Organisation, beheerder: User
) -> None:
    """A BSN typo that passes the elfproef (about one in eleven) or a guessed BSN names a child of another school:
    the file's pupil has another name and date of birth. The import must not move that child here and overwrite
    its identity (school B loses the pupil, school A's whole-school roles get the child's record and cases)."""
    child, bsn = _child_elsewhere(school, 77)
    was_school = child.school_id
    roster = parse_edexml_text(_xml(_pupil("A1", "Anna", born="2015-04-12", extra=f"<bsn>{bsn}</bsn>")))
    with contextlib.suppress(RosterRefused):
        apply_roster(beheerder, school, roster, today=TODAY)
    child.refresh_from_db()
    assert (child.school_id, child.given_name, child.date_of_birth) == (was_school, "Bram", date(2013, 1, 2))
    # The attempt is recorded for the privacy officer (who, where; never the number or the other child).
    assert list(RefusedBsn.objects.values_list("user", "school", "child_id_edited")) == [
        (beheerder.pk, school.pk, None)
    ]


def test_roster_an_onderwijsnummer_of_another_schools_child_is_refused(school: Organisation, beheerder: User) -> None:
    child, _bsn = _child_elsewhere(school, 80)
    number = make_bsn(81)
    Child.objects.filter(pk=child.pk).update(onderwijsnummer_index=services.bsn_module.blind_index(number))
    roster = parse_edexml_text(_xml(_pupil("A1", "Anna", extra=f"<onderwijsnummer>{number}</onderwijsnummer>")))
    with pytest.raises(RosterRefused) as refused:
        apply_roster(beheerder, school, roster, today=TODAY)
    assert [(e.field, number in e.message) for e in refused.value.errors] == [("onderwijsnummer", False)]
    child.refresh_from_db()
    assert child.given_name == "Bram" and RefusedBsn.objects.count() == 1


# --- finding 2 -------------------------------------------------------------------------------------------------------


def test_roster_dry_run_does_not_reveal_that_a_bsn_is_known_at_another_school(
    school: Organisation, beheerder: User
) -> None:
    """A dry run must not be an oracle for which BSNs are known at other schools. A BSN of a child at another
    school is refused with exactly the row error (row, field, message) of a BSN that fails the elfproef.

    What remains, and why: a valid BSN that nobody in Rondom has is 'added', one of a child at another school is
    refused. No answer can hide that difference while the import still adds new pupils by BSN; it is why every
    such refusal writes a RefusedBsn row for the privacy officer (who tried, at which school, when), and why a
    beheerder who probes numbers leaves a trail. The refusal itself does not say 'known elsewhere'."""
    _child, known_elsewhere = _child_elsewhere(school, 78)
    invalid = _elfproef_failure(79)

    def refusal(bsn: str) -> list[tuple[int, str, str]]:
        with translation.override("nl"), pytest.raises(RosterRefused) as refused:
            roster = parse_edexml_text(_xml(_pupil("A1", "Anna", extra=f"<bsn>{bsn}</bsn>")))
            apply_roster(beheerder, school, roster, today=TODAY, dry_run=True)
        return [(e.row, e.field, e.message) for e in refused.value.errors]

    assert refusal(known_elsewhere) == refusal(invalid)
    assert known_elsewhere not in str(refusal(known_elsewhere))


# --- finding 8 -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "groups, extra",
    [
        ('<groep key="G7B"><naam>7B</naam><jaargroep>groep zeven b (combi)</jaargroep></groep>', ""),  # > 8 chars
        ("", "<eckid>" + "x" * 300 + "</eckid>"),  # PupilKey.eck_id max_length 256
    ],
    ids=["jaargroep", "eckid"],
)
def test_roster_a_value_too_long_for_its_column_is_a_row_error_not_a_database_error(groups: str, extra: str) -> None:
    """checks.check_roster bounds keys, names and the group name, and now also SchoolGroup.jaargroep (max 8) and
    PupilKey.eck_id (max 256): a Dutch row error instead of a DataError in the worker."""
    with translation.override("nl"), pytest.raises(RosterRefused) as refused:
        parse_edexml_text(_xml(_pupil("A1", "Anna", extra=extra), groups=groups))
    [error] = refused.value.errors
    assert error.field in ("jaargroep", "eckid") and "langer dan" in error.message


def test_a_mapped_group_name_with_a_long_run_of_digits_has_no_jaargroep() -> None:
    from rondom.roster.mapped import _jaargroep

    assert (_jaargroep("7B"), _jaargroep("groep 123456789")) == ("7", "")


def test_a_parent_value_too_long_for_its_column_is_a_row_error() -> None:
    from rondom.roster.checks import check_parents
    from rondom.roster.types import RosterParent

    parent = RosterParent("K" * 65, "A" * 151, "Jansen", "parent", True, email="a@" + "b" * 260 + ".nl", row=2)
    assert {e.field for e in check_parents([parent])} == {"leerling", "roepnaam", "emailadres"}


# --- finding 5 -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["check", "apply"])
def test_roster_an_unexpected_error_in_the_dry_run_ends_the_upload_and_removes_the_file(
    school: Organisation, beheerder: User, settings, tmp_path, monkeypatch, caplog, step: str
) -> None:  # type: ignore[no-untyped-def]
    """Any error besides RosterRefused and PermissionDenied (a DataError, a locked database, a bug) ends the upload
    as refused with a general Dutch message and removes the stored file (every pupil's BSN); the log names the
    upload and the error's class, never the message (it may quote a row's values)."""
    settings.VAR_DIR = tmp_path
    bsn = make_bsn(5)
    body = _xml(_pupil("A1", "Anna", extra=f"<bsn>{bsn}</bsn>")).encode()
    record = uploads.start_upload(beheerder, school, "edexml", SimpleUploadedFile("leerlingen.xml", body))
    if step == "apply":
        RosterUpload.objects.filter(pk=record.pk).update(status=UploadStatus.APPLYING, confirmed_by=beheerder)
        record.refresh_from_db()

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise DatabaseError(f"value too long for type character varying(8): Anna {bsn}")

    monkeypatch.setattr(services, "apply_roster", broken)
    with caplog.at_level(logging.ERROR, logger="rondom.roster"), translation.override("nl"):
        (uploads.run_check if step == "check" else uploads.run_apply)(record, today=TODAY)
    record.refresh_from_db()
    assert record.status == UploadStatus.REFUSED and record.finished_at is not None
    assert record.errors[0]["message"].startswith("Er ging iets mis")
    assert not uploads.upload_path(record.pk).exists()
    assert "DatabaseError" in caplog.text and bsn not in caplog.text and "Anna" not in caplog.text


def test_the_daily_purge_ends_unconfirmed_uploads_and_empties_old_reports(
    school: Organisation, beheerder: User, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    now = datetime(2026, 10, 30, 3, 0, tzinfo=UTC)
    names = {"added": ["1 Anna Test"], "changed": [], "ended": ["2 Bram Test"], "unchanged": 4}

    def upload(status: str, created: datetime, finished: datetime | None = None) -> RosterUpload:
        record = RosterUpload.objects.create(
            school=school, kind="edexml", file_name="x.xml", uploaded_by=beheerder, status=status, report=names
        )
        RosterUpload.objects.filter(pk=record.pk).update(created_at=created, finished_at=finished)
        path = uploads.upload_path(record.pk)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"<EDEX/>")
        return record

    unconfirmed = upload(UploadStatus.CHECKED, now - timedelta(days=uploads.UNCONFIRMED_KEEP_DAYS + 1))
    waiting = upload(UploadStatus.CHECKED, now - timedelta(days=1))
    old = upload(UploadStatus.DONE, now - timedelta(days=40), now - timedelta(days=31))
    recent = upload(UploadStatus.REFUSED, now - timedelta(days=3), now - timedelta(days=3))
    counts = uploads.purge_uploads(now=now)
    for record in (unconfirmed, waiting, old, recent):
        record.refresh_from_db()
    assert unconfirmed.status == UploadStatus.REFUSED and not uploads.upload_path(unconfirmed.pk).exists()
    assert waiting.status == UploadStatus.CHECKED and uploads.upload_path(waiting.pk).exists()
    assert not uploads.upload_path(old.pk).exists() and not uploads.upload_path(recent.pk).exists()
    assert (old.report["added"], old.report["ended"], old.report["ended_count"], old.report["unchanged"]) == (
        [],
        [],
        1,
        4,
    )
    assert recent.report["added"] == ["1 Anna Test"]
    assert counts == {"expired": 1, "stuck": 0, "files_removed": 2, "reports_emptied": 1}
    assert "rondom.roster.tasks.purge_roster_uploads_task" in settings.SCHEDULED_TASKS


# --- finding 7 -------------------------------------------------------------------------------------------------------


def test_roster_edexml_reader_memory_does_not_explode_on_many_empty_elements() -> None:
    """The reader keeps only the EDEXML elements it reads; unknown subtrees are skipped while parsing. Expect at
    most 20x the input for 250,000 empty elements."""
    import tracemalloc

    data = b"<EDEX>" + b"<a/>" * 250_000 + b"</EDEX>"
    tracemalloc.start()
    with contextlib.suppress(RosterRefused):
        parse_edexml_text(data.decode())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20 * len(data), f"peak {peak / 1e6:.0f} MB for {len(data) / 1e6:.0f} MB of input"


def test_an_edexml_file_with_too_many_read_elements_is_refused_as_a_whole(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rondom.roster import edexml

    monkeypatch.setattr(edexml, "MAX_ELEMENTS", 50)
    with translation.override("nl"), pytest.raises(RosterRefused) as refused:
        parse_edexml_text(_xml("".join(_pupil(str(n), "Anna") for n in range(20))))
    [error] = refused.value.errors
    assert error.field == "EDEX" and "30.000" in error.message


def test_unknown_elements_inside_a_pupil_are_read_over() -> None:
    roster = parse_edexml_text(_xml(_pupil("A1", "Anna", extra="<geslacht>2</geslacht><x><roepnaam>Z</roepnaam></x>")))
    assert [(p.key, p.given_name, p.group_key) for p in roster.pupils] == [("A1", "Anna", "G7B")]
