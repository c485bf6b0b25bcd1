"""The loket and the experts open the documents the parents released with a request: a document from the record as
it was added, the OPP as a PDF of the plan version the request was built from; nothing after the consent is
withdrawn, nothing of another request, and every download is one row in the access log."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfReader

from rondom.audit.models import AccessLogEntry
from rondom.cases.models import Plan, PlanVersion
from rondom.portal.models import FamilyDocument
from rondom.swv.models import RequestDocument

from .loket_world import request_for, world

pytestmark = pytest.mark.django_db

OPP = {"uitstroombestemming": "vmbo basis/kader", "handelingsdeel": []}


def _url(document: RequestDocument) -> str:
    r = document.request
    return f"/swv/loket/{r.child_id}/aanvraag/{r.pk}/document/{document.pk}/"


def _attached(w, r, **kw):  # type: ignore[no-untyped-def]
    return RequestDocument.objects.create(request=r, consent=r.consent, **kw)


def test_the_loket_downloads_a_released_document_and_the_read_is_logged(login) -> None:  # type: ignore[no-untyped-def]
    w = world()
    r = request_for(w)
    family = FamilyDocument(
        child=r.child, capacity="parent", name="verslag.pdf", content_type="application/pdf", size=9
    )
    family.file.save("verslag.pdf", ContentFile(b"%PDF-1.7 verslag"), save=True)
    document = _attached(w, r, family_document=family, name="verslag.pdf")
    response = login(w.loket.user).get(_url(document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 verslag"
    assert "attachment" in response["Content-Disposition"]
    row = AccessLogEntry.objects.get(user_id=w.loket.user.pk, object_type="swv_document")
    assert (row.action, row.ground, row.child_id) == ("read", "swv_request", r.child_id)


def test_the_opp_pdf_is_the_plan_version_the_request_was_built_from(login) -> None:  # type: ignore[no-untyped-def]
    w = world()
    plan = Plan.objects.create(child=w.child, version=2, opp_basis="extra_support", content={"goals": [], "opp": OPP})
    PlanVersion.objects.create(plan=plan, number=1, content={"goals": [], "opp": OPP}, includes_treatment=False)
    later = {"goals": [], "opp": {**OPP, "uitstroombestemming": "havo"}}
    PlanVersion.objects.create(plan=plan, number=2, content=later, includes_treatment=False)
    r = request_for(w)
    r.plan_version = 1
    r.save()
    document = _attached(w, r, generated="opp_pdf", name="OPP (versie 1)")
    response = login(w.loket.user).get(_url(document))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "vmbo basis/kader" in text and "havo" not in text


def test_nothing_after_the_consent_is_withdrawn_nor_of_another_swv(login) -> None:  # type: ignore[no-untyped-def]
    w, other = world(), world()
    r = request_for(w)
    family = FamilyDocument(child=r.child, capacity="parent", name="a.pdf", content_type="application/pdf", size=9)
    family.file.save("a.pdf", ContentFile(b"%PDF-1.7 a"), save=True)
    document = _attached(w, r, family_document=family, name="a.pdf")
    assert login(other.loket.user).get(_url(document)).status_code == 404
    r.consent.withdrawn_at = timezone.now()
    r.consent.save()
    assert login(w.loket.user).get(_url(document)).status_code == 404
    assert not AccessLogEntry.objects.filter(object_type="swv_document").exists()
