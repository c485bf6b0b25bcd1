"""The OPP's staff pages (issue 16, point 1): the ib'er marks the plan as an OPP, writes its parts, adds and removes
handelingsdeel rows, records the yearly evaluation and downloads the PDF (a print in the access log); a teacher reads
but cannot change it; someone outside scope gets 404; the work list shows OPP evaluations due, in a bounded number of
queries. Time is pinned."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from rondom.accounts.models import User
from rondom.audit.models import AccessLogEntry
from rondom.cases import services as cases
from rondom.cases.models import Plan
from rondom.opp import services
from rondom.opp.models import OppEvaluation
from rondom.opp.pdf import opp_pdf
from rondom.opp.sections import OppBasis
from tests.conftest_helpers import verified_client
from tests.factories import ChildFactory, GuardianshipFactory, MembershipFactory, UserFactory, teacher_of

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _pinned() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def en(client):  # type: ignore[no-untyped-def]
    def _login(user: User) -> Client:
        logged_in = verified_client(client, user)
        logged_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return logged_in

    return _login


@pytest.fixture
def world() -> dict[str, Any]:
    child = ChildFactory(given_name="Şükran", family_name="Yıldız")
    mother = GuardianshipFactory(child=child, user=UserFactory(first_name="Ayşe", last_name="Yıldız"))
    GuardianshipFactory(child=child, has_authority=False, user=UserFactory(first_name="Zonder", last_name="Gezag"))
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    return {"child": child, "mother": mother, "ib": ib}


def form(version: int, **changes: str) -> dict[str, str]:
    return {
        "base_version": str(version),
        "uitstroombestemming": "vmbo basis/kader",
        "uitstroomprofiel": "",
        "onderbouwing": "Leerrendement 60 %",
        "handelingsdeel-0-support": "Remedial teaching lezen",
        "handelingsdeel-0-by": "remedial teacher",
        "handelingsdeel-0-where": "school",
        "handelingsdeel-0-hours_per_week": "1,5",
        "handelingsdeel-0-from": "2026-03-01",
        "handelingsdeel-0-until": "2026-07-10",
        "child_voice-uitstroombestemming": "Ik wil monteur worden",
        "parents_view-handelingsdeel": "Graag",
        **changes,
    }


def test_the_ib_marks_the_plan_as_opp_and_writes_it(en, world) -> None:  # type: ignore[no-untyped-def]
    child, client = world["child"], en(world["ib"])
    page = client.get(f"/kinderen/{child.pk}/opp/")
    assert page.status_code == 200 and "Make the plan an OPP" in page.content.decode()
    assert client.post(f"/kinderen/{child.pk}/opp/starten/", {"basis": "extra_support"}).status_code == 302
    plan = Plan.objects.get(child=child)
    assert plan.opp_basis == OppBasis.EXTRA_SUPPORT and plan.opp_since == TODAY
    response = client.post(f"/kinderen/{child.pk}/opp/", form(0))
    assert response.status_code == 302, response.content.decode()[:3000]
    plan.refresh_from_db()
    assert plan.version == 1 and plan.content["opp"]["handelingsdeel"][0]["hours_per_week"] == "1.5"
    assert plan.content["opp"]["child_voice"] == {"uitstroombestemming": "Ik wil monteur worden"}
    page = client.get(f"/kinderen/{child.pk}/opp/").content.decode()
    assert "Remedial teaching lezen" in page and 'id="instemming-status"' in page
    assert "Development perspective (OPP)" in client.get(f"/kinderen/{child.pk}/casus/").content.decode()


def test_rows_are_added_and_removed_on_the_page(en, world) -> None:  # type: ignore[no-untyped-def]
    child, client = world["child"], en(world["ib"])
    services.start_opp(world["ib"], child, basis=OppBasis.EXTRA_SUPPORT, today=TODAY)
    added = client.post(f"/kinderen/{child.pk}/opp/", {**form(0), "add_row": "1"})
    assert added.status_code == 200 and 'name="handelingsdeel-1-support"' in added.content.decode()
    assert Plan.objects.get(child=child).version == 0
    two = {
        **form(0),
        "handelingsdeel-1-support": "Dyslexiebegeleiding",
        "handelingsdeel-1-by": "logopedist",
        "handelingsdeel-1-from": "2026-03-01",
        "handelingsdeel-1-until": "2026-12-01",
    }
    assert client.post(f"/kinderen/{child.pk}/opp/", two).status_code == 302
    assert len(Plan.objects.get(child=child).content["opp"]["handelingsdeel"]) == 2
    removed = {**two, "base_version": "1", "handelingsdeel-0-remove": "on"}
    assert client.post(f"/kinderen/{child.pk}/opp/", removed).status_code == 302
    rows = Plan.objects.get(child=child).content["opp"]["handelingsdeel"]
    assert [r["support"] for r in rows] == ["Dyslexiebegeleiding"]


def test_a_bad_row_shows_the_form_again_with_the_error_on_its_field(en, world) -> None:  # type: ignore[no-untyped-def]
    child, client = world["child"], en(world["ib"])
    services.start_opp(world["ib"], child, basis=OppBasis.EXTRA_SUPPORT, today=TODAY)
    bad = {
        **form(0),
        "handelingsdeel-0-remove": "on",
        "handelingsdeel-1-support": "Extra rekenen",
        "handelingsdeel-1-by": "leerkracht",
        "handelingsdeel-1-from": "2026-05-01",
        "handelingsdeel-1-until": "2026-04-01",
    }
    response = client.post(f"/kinderen/{child.pk}/opp/", bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_handelingsdeel-1-until_error"' in page and "must lie after the start date" in page
    assert "Extra rekenen" in page  # what was typed stays
    assert Plan.objects.get(child=child).version == 0


def test_a_missing_destination_is_refused_in_dutch(client, world) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    services.start_opp(world["ib"], child, basis=OppBasis.EXTRA_SUPPORT, today=TODAY)
    response = verified_client(client, world["ib"]).post(f"/kinderen/{child.pk}/opp/", form(0, uitstroombestemming=""))
    assert response.status_code == 400
    assert "Uitstroombestemming" in response.content.decode() and "verplicht" in response.content.decode()
    assert Plan.objects.get(child=child).version == 0


def test_a_stale_version_on_the_page_is_409(en, world) -> None:  # type: ignore[no-untyped-def]
    child, client = world["child"], en(world["ib"])
    services.start_opp(world["ib"], child, basis=OppBasis.EXTRA_SUPPORT, today=TODAY)
    assert client.post(f"/kinderen/{child.pk}/opp/", form(0)).status_code == 302
    response = client.post(f"/kinderen/{child.pk}/opp/", form(0, uitstroombestemming="havo"))
    assert response.status_code == 409 and "Someone else saved the plan" in response.content.decode()
    assert Plan.objects.get(child=child).content["opp"]["uitstroombestemming"] == "vmbo basis/kader"


def test_the_yearly_evaluation_is_recorded_on_the_page(en, world) -> None:  # type: ignore[no-untyped-def]
    child, client = world["child"], en(world["ib"])
    services.start_opp(world["ib"], child, basis=OppBasis.EXTRA_SUPPORT, today=TODAY)
    response = client.post(
        f"/kinderen/{child.pk}/opp/evaluatie/", {"held_on": "2026-03-09", "with_parents": "on", "summary": "Op koers"}
    )
    assert response.status_code == 302
    assert OppEvaluation.objects.get().next_due == date(2027, 3, 9)
    bad = client.post(f"/kinderen/{child.pk}/opp/evaluatie/", {"held_on": "2026-04-01", "summary": "x"})
    assert bad.status_code == 400 and "before it was held" in bad.content.decode()
    assert OppEvaluation.objects.count() == 1


def test_a_teacher_reads_the_opp_but_cannot_change_it(en, world) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    services.start_opp(world["ib"], child, basis=OppBasis.EXTRA_SUPPORT, today=TODAY)
    services.save_opp(world["ib"], child, services_opp(), base_version=0, today=TODAY)
    teacher = en(teacher_of(child).user)
    page = teacher.get(f"/kinderen/{child.pk}/opp/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Remedial teaching lezen" in text and "Save the OPP" not in text and "Record the evaluation" not in text
    assert teacher.post(f"/kinderen/{child.pk}/opp/", form(1)).status_code == 403
    assert teacher.post(f"/kinderen/{child.pk}/opp/starten/", {"basis": "extra_support"}).status_code == 403
    assert Plan.objects.get(child=child).version == 1


def test_someone_outside_scope_gets_404_on_every_opp_page(en, world) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    services.start_opp(world["ib"], child, basis=OppBasis.EXTRA_SUPPORT, today=TODAY)
    stranger = en(MembershipFactory(role="intern_begeleider").user)
    for url in ("", "pdf/"):
        assert stranger.get(f"/kinderen/{child.pk}/opp/{url}").status_code == 404
    for url, data in (("", form(0)), ("starten/", {"basis": "extra_support"}), ("evaluatie/", {"summary": "x"})):
        assert stranger.post(f"/kinderen/{child.pk}/opp/{url}", data).status_code == 404
    assert Plan.objects.get(child=child).version == 0


def services_opp() -> dict[str, Any]:
    return {
        "uitstroombestemming": "vmbo basis/kader",
        "uitstroomprofiel": "",
        "onderbouwing": "Leerrendement 60 %",
        "handelingsdeel": [
            {
                "support": "Remedial teaching lezen",
                "by": "remedial teacher",
                "where": "school",
                "hours_per_week": "1.5",
                "from": "2026-03-01",
                "until": "2026-07-10",
            }
        ],
        "child_voice": {"uitstroombestemming": "Ik wil monteur worden"},
        "parents_view": {"handelingsdeel": "Graag extra lezen"},
    }


# --- The PDF ------------------------------------------------------------------------------------------------


def _text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_the_pdf_holds_the_opp_the_goals_and_a_signature_block_for_the_parents_with_authority(world) -> None:  # type: ignore[no-untyped-def]
    child, ib = world["child"], world["ib"]
    cases.save_plan(
        ib,
        child,
        goals=[{"domain": "school", "description": "Leest zelfstandig", "target": "AVI E5", "owner": "juf Lotte"}],
        includes_treatment=False,
        base_version=0,
    )
    services.start_opp(ib, child, basis=OppBasis.EXTRA_SUPPORT, today=TODAY)
    plan = services.save_opp(ib, child, services_opp(), base_version=1, today=TODAY)
    with translation.override("nl"):
        text = _text(opp_pdf(plan, today=TODAY))
    for expected in (
        "Şükran Yıldız",
        "vmbo basis/kader",
        "Remedial teaching lezen",
        "Ik wil monteur worden",
        "Leest zelfstandig",
        "Ayşe Yıldız",
        "Versie 2, afgedrukt op 10 maart 2026",
        "Handtekening",
        "Ouder met gezag",
        "1,5",
    ):
        assert expected in text, expected
    assert "Zonder Gezag" not in text  # only parents with authority sign
    old = _text(opp_pdf(plan, 1, today=TODAY))
    assert "Leest zelfstandig" in old and "Remedial teaching lezen" not in old


def test_the_pdf_is_downloaded_from_the_page_and_logged_as_a_print(en, world) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    services.start_opp(world["ib"], child, basis=OppBasis.EXTRA_SUPPORT, today=TODAY)
    plan = services.save_opp(world["ib"], child, services_opp(), base_version=0, today=TODAY)
    response = en(world["ib"]).get(f"/kinderen/{child.pk}/opp/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "Remedial teaching lezen" in _text(response.content)
    row = AccessLogEntry.objects.order_by("-seq").first()
    assert (row.action, row.object_type, row.object_id) == ("print", "plan", str(plan.pk))


# --- The work list --------------------------------------------------------------------------------------------


def test_the_work_list_shows_overdue_and_due_opp_evaluations_in_bounded_queries(  # type: ignore[no-untyped-def]
    en, world, django_assert_max_num_queries
) -> None:
    ib, school = world["ib"], world["child"].school
    overdue = world["child"]
    due = ChildFactory(school=school, given_name="Daan")
    planned = ChildFactory(school=school, given_name="Pien")
    for child in (overdue, due, planned):
        services.start_opp(ib, child, basis=OppBasis.EXTRA_SUPPORT, today=date(2025, 1, 15))
    services.record_opp_evaluation(
        ib, Plan.objects.get(child=due), held_on=date(2025, 3, 20), with_parents=True, summary="x", today=TODAY
    )
    services.record_opp_evaluation(
        ib, Plan.objects.get(child=planned), held_on=date(2026, 2, 1), with_parents=True, summary="x", today=TODAY
    )
    for _ in range(5):
        other = ChildFactory(school=school)
        services.start_opp(ib, other, basis=OppBasis.EXTRA_SUPPORT, today=date(2025, 1, 1))
    client = en(ib)
    before = AccessLogEntry.objects.count()
    with django_assert_max_num_queries(30):
        page = client.get("/opp-evaluaties/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "7 OPPs" in text and str(planned) not in text
    assert text.index(str(overdue)) < text.index(str(due))
    assert "overdue" in text and "due soon" in text
    assert AccessLogEntry.objects.count() - before == 7
    everything = client.get("/opp-evaluaties/?show=all").content.decode()
    assert "8 OPPs" in everything and str(planned) in everything
    stranger = en(MembershipFactory(role="intern_begeleider").user)
    assert "No OPP evaluation is overdue" in stranger.get("/opp-evaluaties/").content.decode()
