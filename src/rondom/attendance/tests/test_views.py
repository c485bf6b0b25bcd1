"""The web side: upload → worker task → report; who sees a child's absence (and that every look is logged); the
thuiszitter page's forms; the overview with its exports."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from rondom.attendance.models import AbsenceImport, AbsenceMonth, AbsenceRecord
from rondom.attendance.tasks import run_import_task
from rondom.audit.models import AccessLogEntry
from rondom.notifications.models import Notification
from rondom.schoolcalendar.services import school_days
from rondom.thuiszitters import services as tz_services
from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory, make_bsn, pupil_with_bsn, teacher_of

pytestmark = pytest.mark.django_db


def _csv(rows: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile("verzuim.csv", ("BSN;Datum;Soort;Uren;Lesuur\n" + "\n".join(rows) + "\n").encode())


def _school_days(count: int) -> list[date]:
    """The last `count` school days before today in regio noord (the schools' default), as the protocols count
    them: on any day of the year, holidays included, these are `count` school days in a row."""
    yesterday = timezone.localdate() - timedelta(days=1)
    return school_days(yesterday - timedelta(days=count * 2 + 90), yesterday, "noord")[-count:]


def test_upload_is_read_by_the_worker_and_a_bad_file_is_reported_then_the_fix_is_imported(
    login, school, admin, mapping
) -> None:  # type: ignore[no-untyped-def]
    child = pupil_with_bsn(0, school=school)
    leerplicht = OrganisationFactory(kind="leerplicht")
    leerplicht.serves_municipalities.add(child.home_municipality)
    officer = MembershipFactory(organisation=leerplicht, role="leerplicht_officer").user
    rows = [f"{make_bsn(0)};{d:%d-%m-%Y};Z;5;" for d in _school_days(20)]
    future = (timezone.localdate() + timedelta(days=3)).strftime("%d-%m-%Y")
    client = login(admin)

    response = client.post(
        "/verzuim/import/",
        {"school": school.pk, "mapping": mapping.pk, "file": _csv([*rows, f"{make_bsn(0)};{future};O;2;"])},
    )
    record = AbsenceImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/verzuim/import/{record.pk}/"
    assert "Reading the file" in client.get(response["Location"]).content.decode()  # queued: progress shown
    run_import_task.call(record.pk)  # what the worker does
    page = client.get(f"/verzuim/import/{record.pk}/").content.decode()
    assert "nothing was imported" in page and '<td class="utrecht-table__cell" data-label="Row">22</td>' in page
    assert "The date lies in the future." in page and AbsenceRecord.objects.count() == 0

    client.post("/verzuim/import/", {"school": school.pk, "mapping": mapping.pk, "file": _csv(rows)})
    fixed = AbsenceImport.objects.latest("pk")
    assert run_import_task.call(fixed.pk)["signals"] == 2  # 20 days in a row (leerplicht); 100 sick hours (JGZ)
    assert "20 rows of 1 pupil — 20 new" in client.get(f"/verzuim/import/{fixed.pk}/").content.decode()
    # The monitoring's monthly rollup follows the import: 20 days of 5 sick hours = 6000 minutes in all.
    assert sum(AbsenceMonth.objects.filter(school=school, kind="sick").values_list("minutes", flat=True)) == 6000
    period = child.thuiszitter_periods.get()
    assert period.kind == "relative" and period.authorised  # sick leave counts too, as authorised
    assert Notification.objects.filter(recipient=officer).count() == 1
    # A task delivered twice does not import twice.
    assert run_import_task.call(fixed.pk) == {"rows": 20}


def test_upload_refuses_a_wrong_type_at_once(login, school, admin, mapping) -> None:  # type: ignore[no-untyped-def]
    response = login(admin).post(
        "/verzuim/import/",
        {"school": school.pk, "mapping": mapping.pk, "file": SimpleUploadedFile("foto.png", b"\x89PNG....")},
    )
    assert response.status_code == 400 and "not a CSV or Excel" in response.content.decode()
    assert not AbsenceImport.objects.exists()


def test_only_functional_admins_reach_the_import(login, school) -> None:  # type: ignore[no-untyped-def]
    teacher = MembershipFactory(organisation=school, role="intern_begeleider").user
    assert login(teacher).get("/verzuim/import/").status_code == 403


def test_mappings_are_saved_and_bad_codes_are_explained(login, school, admin) -> None:  # type: ignore[no-untyped-def]
    client = login(admin)
    data = {
        "name": "Magister",
        "school_system": "Magister",
        "bsn_column": "BSN",
        "date_column": "Datum",
        "kind_column": "Code",
        "hours_column": "",
        "lesson_hour_column": "Uur",
        "date_format": "%d-%m-%Y",
        "lesson_minutes": 50,
        "kind_codes": "AFW = ongeoorloofd\nZK = ziek\nXX = vakantie",
    }
    response = client.post("/verzuim/koppelingen/nieuw/", data)
    assert response.status_code == 400 and "Line 3" in response.content.decode()
    data["kind_codes"] = "AFW = ongeoorloofd\nZK = ziek"
    assert client.post("/verzuim/koppelingen/nieuw/", data).status_code == 302
    data["lesson_hour_column"] = ""
    response = client.post("/verzuim/koppelingen/nieuw/", {**data, "name": "Zonder uren"})
    assert response.status_code == 400 and "hours" in response.content.decode()


def test_only_roles_with_a_ground_see_a_childs_absence_and_every_look_is_logged(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    AbsenceRecord.objects.create(
        child=child, school=child.school, date=date(2026, 11, 2), kind="unauthorised", minutes=120
    )
    leerplicht = OrganisationFactory(kind="leerplicht")
    leerplicht.serves_municipalities.add(child.home_municipality)
    officer = MembershipFactory(organisation=leerplicht, role="leerplicht_officer").user
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    teacher = teacher_of(child).user
    admin = MembershipFactory(organisation=child.school, role="functional_admin").user
    other = OrganisationFactory(kind="leerplicht")
    other.serves_municipalities.add(OrganisationFactory().municipality.__class__.objects.create(name="Kampen"))
    stranger = MembershipFactory(organisation=other, role="leerplicht_officer").user
    url = f"/kinderen/{child.pk}/verzuim/"
    for user in (officer, ib):
        client = login(user)
        assert client.get(url).status_code == 200
        client.logout()
    for user, status in ((teacher, 403), (admin, 403), (stranger, 404)):
        client = login(user)
        assert client.get(url).status_code == status, user
        client.logout()
    rows = AccessLogEntry.objects.filter(child_id=child.pk, category="absence", object_type="absence")
    assert {(r.user_id, r.ground) for r in rows} == {(officer.pk, "legal_task"), (ib.pk, "school_role")}


def test_the_thuiszitter_page_lets_the_current_decider_decide(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    period = tz_services.register(
        ib, child, kind="relative", reason="no_place", started_on=timezone.localdate() - timedelta(days=40)
    )
    client = login(ib)
    url = f"/kinderen/{child.pk}/thuiszitter/{period.pk}/"
    page = client.get(url).content.decode()
    assert "Record the decision" in page and "40" in page
    response = client.post(url, {"action": "decide", "outcome": "place", "decision": ""})
    assert response.status_code == 400 and not period.decisions.exists()
    response = client.post(url, {"action": "decide", "outcome": "place", "decision": "Plek op De Esch per maandag."})
    assert response.status_code == 302 and period.decisions.get().decided_by == ib
    assert "Record the decision" not in client.get(url).content.decode()  # decided: the form is gone


def test_the_overview_counts_without_names_and_exports_csv_and_xlsx(login, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_MONITORING_MIN_CELL = 1  # the counting itself; small cells: thuiszitters/tests/test_overview.py
    child = ChildFactory(given_name="Zeldzaam")
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    tz_services.register(
        ib, child, kind="relative", reason="no_place", started_on=timezone.localdate() - timedelta(days=10)
    )
    gemeente = OrganisationFactory(kind="municipality", municipality=child.home_municipality)
    policy_user = MembershipFactory(organisation=gemeente, role="policy_officer").user
    client = login(policy_user)
    page = client.get("/thuiszitters/overzicht/?by=school").content.decode()
    assert "Zeldzaam" not in page and str(child.school) in page and "<svg" in page and "<table" in page
    csv_text = client.get("/thuiszitters/overzicht/?by=municipality&format=csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith(f"{child.home_municipality};1;0")
    assert ";1: 1;" in csv_text.splitlines()[1]  # one case waiting at the first rung (the school)
    xlsx = client.get("/thuiszitters/overzicht/?by=wijk&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(row=2, column=2).value == 1
    teacher = MembershipFactory(organisation=child.school, role="teacher").user
    client.logout()
    assert login(teacher).get("/thuiszitters/overzicht/").status_code == 403
