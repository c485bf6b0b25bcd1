"""The functioneel beheerder's web import of a roster (issue 15): upload → the worker's dry run → a report of what
would be added, changed and ended, nothing written → confirmation (once, however often it is posted) → the import;
a broken row refuses the whole file with a Dutch row report; only the school's own beheerder reaches it. And the
EDEXML writer the demo uses gives back, through the real reader, the roster it was given."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rondom.accounts.models import Organisation, User
from rondom.registry.models import Child, GroupTeacher, SchoolGroup
from rondom.roster.edexml import parse_edexml
from rondom.roster.edexml_writer import write_edexml
from rondom.roster.models import RosterMapping, RosterUpload, UploadStatus
from rondom.roster.tasks import apply_roster_task, check_roster_task
from rondom.roster.types import Roster, RosterGroup, RosterPupil, RosterTeacher
from tests.conftest_helpers import verified_client
from tests.factories import MembershipFactory, SchoolFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)


@pytest.fixture
def school() -> Organisation:
    return SchoolFactory(name="De Vlinder", brin="07XY", vestiging="00")


@pytest.fixture
def admin(school: Organisation) -> User:
    return MembershipFactory(organisation=school, role="functional_admin").user


@pytest.fixture
def teacher(school: Organisation) -> User:
    membership = MembershipFactory(organisation=school, role="teacher", valid_from=date(2020, 1, 1))
    membership.user.email = "lotte@vlinder.invalid"
    membership.user.save()
    return membership.user


@pytest.fixture
def english(client: Client):  # type: ignore[no-untyped-def]
    def _login(user: User) -> Client:
        logged_in = verified_client(client, user)
        logged_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return logged_in

    return _login


def roster(*, without: str = "", bad_bsn: bool = False) -> Roster:
    pupils = [
        RosterPupil("L1", "Noor", "Vries", date(2018, 3, 1), "G5", voorvoegsel="de"),
        RosterPupil("L2", "Daan", "Bakker", date(2018, 5, 9), "G5", bsn="123456789" if bad_bsn else ""),
        RosterPupil("L3", "Emma", "Meijer", date(2016, 1, 20), "G7"),
    ]
    return Roster(
        brin="07XY",
        vestiging="00",
        school_year="2026-2027",
        groups=[RosterGroup("G5", "Groep 5A", "5"), RosterGroup("G7", "Groep 7A", "7")],
        pupils=[p for p in pupils if p.key != without],
        teachers=[RosterTeacher("T1", "Lotte", "Vries", "lotte@vlinder.invalid", "de", ("G5",))],
    )


def edexml(value: Roster) -> SimpleUploadedFile:
    return SimpleUploadedFile("leerlingen.xml", write_edexml(value, created=datetime(2026, 11, 27, 7, 0)))


def upload(client: Client, school: Organisation, value: Roster, *, full: bool = True) -> RosterUpload:
    form = {"school": school.pk, "kind": "edexml", "file": edexml(value), **({"full": "on"} if full else {})}
    response = client.post("/leerlingen-inlezen/", form)
    record = RosterUpload.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/leerlingen-inlezen/{record.pk}/"
    return record


def test_the_writer_gives_the_reader_back_the_roster_it_was_given() -> None:
    given = roster()
    read = parse_edexml(write_edexml(given, created=datetime(2026, 11, 27, 7, 0)))
    assert (read.brin, read.vestiging, read.school_year) == ("07XY", "00", "2026-2027")
    assert [(g.key, g.name, g.jaargroep) for g in read.groups] == [(g.key, g.name, g.jaargroep) for g in given.groups]
    assert [(p.key, p.given_name, p.voorvoegsel, p.family_name, p.date_of_birth, p.group_key) for p in read.pupils] == [
        (p.key, p.given_name, p.voorvoegsel, p.family_name, p.date_of_birth, p.group_key) for p in given.pupils
    ]
    assert [(t.email, t.group_keys) for t in read.teachers] == [("lotte@vlinder.invalid", ("G5",))]


def test_a_dry_run_changes_nothing_and_one_confirmation_imports_once(english, school, admin, teacher) -> None:  # type: ignore[no-untyped-def]
    client = english(admin)
    record = upload(client, school, roster())
    assert "Trial run" in client.get(f"/leerlingen-inlezen/{record.pk}/").content.decode()  # queued: progress

    check_roster_task.call(record.pk)  # what the worker does
    page = client.get(f"/leerlingen-inlezen/{record.pk}/").content.decode()
    assert "Trial run: what the import would change" in page and "Confirm and import" in page
    assert "Pupils to be added" in page and "Noor" in page and "Emma" in page
    assert not Child.objects.exists() and not SchoolGroup.objects.exists()  # a dry run writes nothing

    # Confirmed twice (a double click, a second tab): queued once, imported once.
    for _ in range(2):
        assert client.post(f"/leerlingen-inlezen/{record.pk}/bevestigen/").status_code == 302
    record.refresh_from_db()
    assert record.status == UploadStatus.APPLYING and record.confirmed_by == admin
    assert apply_roster_task.call(record.pk) == {"status": "done"}
    assert apply_roster_task.call(record.pk) == {"status": "done"}  # a task delivered twice changes nothing
    assert Child.objects.filter(school=school).count() == 3
    assert set(SchoolGroup.objects.values_list("name", flat=True)) == {"Groep 5A", "Groep 7A"}
    assert GroupTeacher.objects.get().membership.user == teacher
    page = client.get(f"/leerlingen-inlezen/{record.pk}/").content.decode()
    assert "The import is done." in page and "Confirm and import" not in page
    assert not (settings.VAR_DIR / "roster" / f"{record.pk}.upload").exists()  # the file is not kept

    # A later export without Emma: the dry run lists her as leaving; the import marks her, never deletes her.
    later = upload(client, school, roster(without="L3"))
    check_roster_task.call(later.pk)
    page = client.get(f"/leerlingen-inlezen/{later.pk}/").content.decode()
    assert "Pupils to be marked as having left" in page and "Emma" in page.split("roster-ended", 1)[1]
    # One pupil of three leaving is more than a tenth of the school: confirmed only when acknowledged in words.
    assert "I have checked the lists: this is right" in page
    client.post(f"/leerlingen-inlezen/{later.pk}/bevestigen/")
    later.refresh_from_db()
    assert later.status == UploadStatus.CHECKED  # not queued
    client.post(f"/leerlingen-inlezen/{later.pk}/bevestigen/", {"acknowledged": "1"})
    apply_roster_task.call(later.pk)
    emma = Child.objects.get(given_name="Emma")
    assert emma.left_school_on is not None and emma.school is None  # kept, marked as having left


def test_a_broken_row_refuses_the_file_with_a_row_report_and_changes_nothing(english, school, admin) -> None:  # type: ignore[no-untyped-def]
    client = english(admin)
    record = upload(client, school, roster(bad_bsn=True))
    check_roster_task.call(record.pk)
    record.refresh_from_db()
    assert record.status == UploadStatus.REFUSED and record.errors
    page = client.get(f"/leerlingen-inlezen/{record.pk}/").content.decode()
    assert "nothing was imported" in page and 'id="roster-errors"' in page and "Confirm and import" not in page
    assert any(e["field"] for e in record.errors) and "123456789" not in page  # field named, value never shown
    assert client.post(f"/leerlingen-inlezen/{record.pk}/bevestigen/").status_code == 302
    assert not Child.objects.exists() and RosterUpload.objects.get(pk=record.pk).status == UploadStatus.REFUSED


def test_a_file_of_the_wrong_type_is_refused_at_once(english, school, admin) -> None:  # type: ignore[no-untyped-def]
    response = english(admin).post(
        "/leerlingen-inlezen/",
        {"school": school.pk, "kind": "edexml", "file": SimpleUploadedFile("foto.png", b"\x89PNG....")},
    )
    assert response.status_code == 400 and "not an EDEXML file" in response.content.decode()
    assert not RosterUpload.objects.exists()


def test_only_the_schools_own_functioneel_beheerder_reaches_the_import(english, school, admin, teacher) -> None:  # type: ignore[no-untyped-def]
    record = upload(english(admin), school, roster())
    assert 'href="/leerlingen-inlezen/"' in english(admin).get("/leerlingen-inlezen/").content.decode()  # menu
    ib = MembershipFactory(organisation=school, role="intern_begeleider").user
    for user in (teacher, ib):
        client = english(user)
        assert client.get("/leerlingen-inlezen/").status_code == 403
        assert client.get(f"/leerlingen-inlezen/{record.pk}/").status_code == 403
        assert client.post(f"/leerlingen-inlezen/{record.pk}/bevestigen/").status_code == 403
        assert 'href="/leerlingen-inlezen/"' not in client.get("/kinderen/").content.decode()
    other = MembershipFactory(organisation=SchoolFactory(), role="functional_admin").user
    client = english(other)
    assert client.get(f"/leerlingen-inlezen/{record.pk}/").status_code == 404
    assert client.post(f"/leerlingen-inlezen/{record.pk}/bevestigen/").status_code == 404
    # Posting another school's id with one's own upload form is refused, not imported.
    response = client.post("/leerlingen-inlezen/", {"school": school.pk, "kind": "edexml", "file": edexml(roster())})
    assert response.status_code == 400 and RosterUpload.objects.count() == 1


def test_a_mapping_saved_on_its_page_reads_a_spreadsheet_upload(english, school, admin) -> None:  # type: ignore[no-untyped-def]
    client = english(admin)
    form = {
        "name": "ParnasSys leerlingen",
        "school": school.pk,
        "kind": "pupils",
        "date_format": "%d-%m-%Y",
        "column_key": "Leerlingnummer",
        "column_given_name": "Roepnaam",
        "column_family_name": "Achternaam",
        "column_group": "Groep",
        "version": 0,
    }
    # A required field without its column: the form comes back with the user's values and says which.
    response = client.post("/leerlingen-inlezen/koppelingen/nieuw/", form)
    assert response.status_code == 400 and "Give the column of this field." in response.content.decode()
    assert 'value="Leerlingnummer"' in response.content.decode()
    response = client.post("/leerlingen-inlezen/koppelingen/nieuw/", {**form, "column_date_of_birth": "Geboortedatum"})
    assert response.status_code == 302
    mapping = RosterMapping.objects.get()
    assert mapping.columns["date_of_birth"] == "Geboortedatum" and mapping.school == school
    assert "ParnasSys leerlingen" in client.get("/leerlingen-inlezen/koppelingen/").content.decode()

    csv = (
        "Leerlingnummer;Roepnaam;Achternaam;Geboortedatum;Groep\n"
        "1;Noor;de Vries;01-03-2018;5A\n"
        "2;Daan;Bakker;09-05-2018;5A\n"
    )
    response = client.post(
        "/leerlingen-inlezen/",
        {
            "school": school.pk,
            "kind": "mapped",
            "mapping": mapping.pk,
            "file": SimpleUploadedFile("leerlingen.csv", csv.encode()),
        },
    )
    record = RosterUpload.objects.get()
    assert response.status_code == 302 and record.mapping == mapping
    check_roster_task.call(record.pk)
    record.refresh_from_db()
    assert record.status == UploadStatus.CHECKED and len(record.report["added"]) == 2
    # Another school's beheerder neither sees nor edits the mapping.
    other = english(MembershipFactory(organisation=SchoolFactory(), role="functional_admin").user)
    assert other.get(f"/leerlingen-inlezen/koppelingen/{mapping.pk}/").status_code == 404


def test_a_partial_export_marks_nobody_as_having_left(english, school, admin, teacher) -> None:  # type: ignore[no-untyped-def]
    """An export of some pupils (the box "every current pupil" unticked) adds and changes, and ends nobody: the
    new-user trial found a small file taking most of the school out of its lists."""
    client = english(admin)
    first = upload(client, school, roster())
    check_roster_task.call(first.pk)
    client.post(f"/leerlingen-inlezen/{first.pk}/bevestigen/")
    apply_roster_task.call(first.pk)

    partial = upload(client, school, roster(without="L3"), full=False)
    check_roster_task.call(partial.pk)
    page = client.get(f"/leerlingen-inlezen/{partial.pk}/").content.decode()
    assert "no pupil is marked as having left" in page and "roster-ended" not in page
    assert "I have checked the lists" not in page  # nothing ends: no acknowledgement asked
    client.post(f"/leerlingen-inlezen/{partial.pk}/bevestigen/")
    apply_roster_task.call(partial.pk)
    partial.refresh_from_db()
    assert partial.status == UploadStatus.DONE
    assert Child.objects.get(given_name="Emma").school == school  # still a pupil
