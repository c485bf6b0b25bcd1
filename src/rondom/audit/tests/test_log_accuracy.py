"""The access log tells only what happened (issue 12, finding 5): a refused request writes no row, a row names the
object actually shown, lists are searches, aggregate exports are exports without a child."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.base import ContentFile

from rondom.attendance.models import AbsenceProtocol, ThresholdSignal
from rondom.audit.models import AccessLogEntry
from rondom.audit.services import AGGREGATE_CHILD_ID
from rondom.consent.models import Consent
from rondom.portal.models import FamilyDocument
from rondom.thuiszitters.models import Thuiszitter
from tests.factories import ChildFactory, GuardianshipFactory, MembershipFactory, born_years_ago, consent_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Two children at two schools; the ib'er of the first school has no ground on the second child."""
    settings.VAR_DIR = tmp_path
    own = ChildFactory(date_of_birth=born_years_ago(9))
    other = ChildFactory(date_of_birth=born_years_ago(9))
    ib = MembershipFactory(organisation=own.school, role="intern_begeleider").user
    return {"own": own, "other": other, "ib": ib}


def _signal(child):  # type: ignore[no-untyped-def]
    protocol = AbsenceProtocol.objects.filter(signal_role="leerplicht_officer").first()
    day = date(2026, 3, 2)
    return ThresholdSignal.objects.create(
        child=child,
        protocol=protocol,
        role="leerplicht_officer",
        period_start=day,
        crossed_on=day,
        value=16,
        due_on=day,
    )


def _thuiszitter(child):  # type: ignore[no-untyped-def]
    return Thuiszitter.objects.create(child=child, kind="absolute", reason="refusal", started_on=date(2026, 3, 2))


def _document(child):  # type: ignore[no-untyped-def]
    document = FamilyDocument(
        child=child, capacity="parent", name="verslag.pdf", content_type="application/pdf", size=9
    )
    document.file.save("x.pdf", ContentFile(b"%PDF-1.7 "), save=True)
    return document


def _consent(child):  # type: ignore[no-untyped-def]
    return consent_for(child, "support_team", None, ["support"])


NESTED = {
    "absence signal": (_signal, "/kinderen/{child}/verzuimsignaal/{obj}/", "absence_signal"),
    "thuiszitter file": (_thuiszitter, "/kinderen/{child}/thuiszitter/{obj}/", "thuiszitter"),
    "family document": (_document, "/kinderen/{child}/gezinsdocument/{obj}/", "family_document"),
}


@pytest.mark.parametrize("kind", list(NESTED))
def test_another_childs_object_under_an_own_childs_url_is_404_without_a_log_row(world, login, kind: str) -> None:  # type: ignore[no-untyped-def]
    make, url, _type = NESTED[kind]
    foreign = make(world["other"])
    response = login(world["ib"]).get(url.format(child=world["own"].pk, obj=foreign.pk))
    assert response.status_code == 404
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("kind", list(NESTED))
def test_a_nested_object_of_the_child_is_logged_once_under_its_own_id(world, login, kind: str) -> None:  # type: ignore[no-untyped-def]
    make, url, object_type = NESTED[kind]
    mine = make(world["own"])
    response = login(world["ib"]).get(url.format(child=world["own"].pk, obj=mine.pk))
    assert response.status_code == 200
    row = AccessLogEntry.objects.get()
    assert (row.child_id, row.object_type, row.object_id, row.action) == (
        world["own"].pk,
        object_type,
        str(mine.pk),
        "read",
    )


def test_withdrawing_another_childs_consent_is_404_without_a_log_row(world, login) -> None:  # type: ignore[no-untyped-def]
    foreign = _consent(world["other"])
    client = login(world["ib"])
    web = client.post(f"/kinderen/{world['own'].pk}/toestemming/{foreign.pk}/intrekken/")
    api = client.post(
        f"/api/children/{world['own'].pk}/consents/{foreign.pk}/withdraw/", {}, content_type="application/json"
    )
    assert (web.status_code, api.status_code) == (404, 404)
    assert Consent.objects.get(pk=foreign.pk).withdrawn_at is None
    assert not AccessLogEntry.objects.exists()


def test_a_note_form_sent_empty_shows_the_record_again_and_logs_that_as_a_read(world, login) -> None:  # type: ignore[no-untyped-def]
    # The form is shown again with what was typed (issue 14), on the child's record: that showing is a read,
    # logged as the record's page logs it; nothing is created.
    response = login(world["ib"]).post(f"/kinderen/{world['own'].pk}/aantekeningen/", {"category": "", "text": ""})
    assert response.status_code == 400
    rows = list(AccessLogEntry.objects.values_list("action", "child_id"))
    assert rows and {action for action, _ in rows} == {"read"} and {c for _, c in rows} == {world["own"].pk}


@pytest.mark.parametrize(
    "url",
    [
        "/api/children/{child}/notes/{obj}/",
        "/api/children/{child}/cases/{obj}/",
        "/api/children/{child}/agenda-items/{obj}/minutes/",
    ],
)
def test_api_nested_reads_of_a_missing_object_write_no_row(world, login, url: str) -> None:  # type: ignore[no-untyped-def]
    response = login(world["ib"]).get(url.format(child=world["own"].pk, obj=999999))
    assert response.status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_the_familys_document_download_is_logged_under_the_documents_id(world, login) -> None:  # type: ignore[no-untyped-def]
    parent = GuardianshipFactory(child=world["own"]).user
    document = _document(world["own"])
    while document.pk == world["own"].pk:  # the row must tell the two numbers apart
        document = _document(world["own"])
    response = login(parent).get(f"/portaal/kind/{world['own'].pk}/document/{document.pk}/")
    assert response.status_code == 200
    row = AccessLogEntry.objects.get(user_id=parent.pk)
    assert (row.object_type, row.object_id, row.action) == ("family_document", str(document.pk), "read")


def test_a_parent_asking_for_another_childs_document_gets_404_and_no_row(world, login) -> None:  # type: ignore[no-untyped-def]
    parent = GuardianshipFactory(child=world["own"]).user
    foreign = _document(world["other"])
    response = login(parent).get(f"/portaal/kind/{world['own'].pk}/document/{foreign.pk}/")
    assert response.status_code == 404
    assert not AccessLogEntry.objects.exists()


# --- Aggregate exports ------------------------------------------------------------------------------------------


def test_the_thuiszitter_overview_download_is_logged_as_an_export_without_a_child(login) -> None:  # type: ignore[no-untyped-def]
    officer = MembershipFactory(role="leerplicht_officer", organisation__kind="leerplicht")
    _thuiszitter(ChildFactory())
    client = login(officer.user)
    assert client.get("/thuiszitters/overzicht/").status_code == 200
    assert not AccessLogEntry.objects.exists()  # the page shows counts only, like the dashboard
    response = client.get("/thuiszitters/overzicht/?by=wijk&format=csv")
    assert response.status_code == 200
    row = AccessLogEntry.objects.get()
    assert (row.child_id, row.action, row.category, row.object_type, row.object_id, row.ground) == (
        AGGREGATE_CHILD_ID,
        "export",
        "absence",
        "thuiszitter_overview",
        "wijk",
        "aggregate",
    )
    assert (row.user_id, row.role, row.organisation_id) == (
        officer.user_id,
        "leerplicht_officer",
        officer.organisation_id,
    )


def test_the_accountability_report_pdf_is_logged_as_an_export_without_a_child(login) -> None:  # type: ignore[no-untyped-def]
    officer = MembershipFactory(role="policy_officer", organisation__kind="municipality")
    response = login(officer.user).get("/monitoring/rapport/?pilot=city")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    row = AccessLogEntry.objects.get()
    assert (row.child_id, row.action, row.object_type, row.ground, row.role) == (
        AGGREGATE_CHILD_ID,
        "export",
        "aggregate_report",
        "aggregate",
        "policy_officer",
    )


def test_an_aggregate_row_never_shows_on_a_familys_who_looked_page(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(date_of_birth=born_years_ago(9))
    parent = GuardianshipFactory(child=child).user
    officer = MembershipFactory(role="policy_officer", organisation__kind="municipality")
    login(officer.user).get("/monitoring/rapport/?pilot=city")
    page = login(parent).get(f"/portaal/kind/{child.pk}/wie-keek/").content.decode()
    assert "policy" not in page.lower() and "beleid" not in page.lower()


# --- Pages that change something: the change is logged, a read only when the page is shown again ------------


def test_handling_an_absence_signal_writes_the_update_and_no_read(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    officer = MembershipFactory(role="leerplicht_officer", organisation__kind="leerplicht")
    officer.organisation.serves_municipalities.add(child.home_municipality)
    signal = _signal(child)
    client = login(officer.user)
    url = f"/kinderen/{child.pk}/verzuimsignaal/{signal.pk}/"
    shown_again = client.post(url, {"note": ""})
    assert shown_again.status_code == 400
    assert [(r.action, r.object_id) for r in AccessLogEntry.objects.all()] == [("read", str(signal.pk))]
    handled = client.post(url, {"note": "Ouders uitgenodigd voor een gesprek."})
    assert handled.status_code == 302
    assert [(r.action, r.object_id) for r in AccessLogEntry.objects.order_by("seq")] == [
        ("read", str(signal.pk)),
        ("update", str(signal.pk)),
    ]


def test_a_thuiszitter_form_sent_with_errors_shows_the_file_again_and_logs_that_read(world, login) -> None:  # type: ignore[no-untyped-def]
    period = _thuiszitter(world["own"])
    response = login(world["ib"]).post(
        f"/kinderen/{world['own'].pk}/thuiszitter/{period.pk}/", {"action": "end", "ended_on": ""}
    )
    assert response.status_code == 400
    row = AccessLogEntry.objects.get()
    assert (row.action, row.object_type, row.object_id) == ("read", "thuiszitter", str(period.pk))


def test_another_childs_thuiszitter_file_cannot_be_changed_and_nothing_is_logged(world, login) -> None:  # type: ignore[no-untyped-def]
    foreign = _thuiszitter(world["other"])
    response = login(world["ib"]).post(
        f"/kinderen/{world['own'].pk}/thuiszitter/{foreign.pk}/", {"action": "end", "ended_on": "2026-03-03"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.ended_on is None and not AccessLogEntry.objects.exists()
