"""Review of issue 16: attempts to walk around access, integrity and input rules (each a failing test first)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rondom.audit.models import AccessLogEntry
from rondom.portal.models import FamilyDocument
from rondom.swv.models import DocumentRelease
from rondom.swv.tests.loket_world import request_for, world
from rondom.transfers.tests import world as tw

pytestmark = pytest.mark.django_db


def _document(child):  # type: ignore[no-untyped-def]
    doc = FamilyDocument(child=child, capacity="parent", name="dagboek.pdf", content_type="application/pdf", size=4)
    doc.file.save("x.pdf", SimpleUploadedFile("x.pdf", b"%PDF"), save=False)
    doc.save()
    return doc


def test_the_swv_loket_does_not_download_a_family_document_the_parents_did_not_release(login) -> None:  # type: ignore[no-untyped-def]
    w = world()
    r = request_for(w, categories=["identity", "support"])
    doc = _document(w.child)
    released = _document(w.child)
    DocumentRelease.objects.create(consent=r.consent, family_document=released)
    client = login(w.loket.user)
    response = client.get(f"/kinderen/{w.child.pk}/gezinsdocument/{doc.pk}/")
    assert response.status_code == 404
    assert not AccessLogEntry.objects.filter(object_type="family_document", object_id=str(doc.pk)).exists()
    assert client.get(f"/kinderen/{w.child.pk}/gezinsdocument/{released.pk}/").status_code == 200
    assert AccessLogEntry.objects.filter(
        object_type="family_document", object_id=str(released.pk), ground="swv_request"
    ).exists()


def test_the_receiving_school_does_not_download_family_documents_before_it_accepts(login) -> None:  # type: ignore[no-untyped-def]
    world_ = tw.build()
    tw.offer(world_)
    tw.consent(world_)
    doc = _document(world_.child)
    client = login(world_.vo_ib)
    response = client.get(f"/kinderen/{world_.child.pk}/gezinsdocument/{doc.pk}/")
    assert response.status_code in (403, 404)
    assert not AccessLogEntry.objects.filter(object_type="family_document", object_id=str(doc.pk)).exists()
    assert client.get(f"/kinderen/{world_.child.pk}/casus/").status_code == 200  # the plan and the help it does read


def test_an_unknown_action_on_the_loket_page_logs_nothing(login) -> None:  # type: ignore[no-untyped-def]
    w = world()
    r = request_for(w, categories=["identity", "support"])
    client = login(w.loket.user)
    before = AccessLogEntry.objects.count()
    assert client.post(f"/swv/loket/{r.child_id}/aanvraag/{r.pk}/", {"action": "bogus"}).status_code == 404
    assert AccessLogEntry.objects.count() == before


def test_a_teacher_reaches_no_opp_swv_or_transfer_page_of_a_child_outside_her_group(login) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import ChildFactory, teacher_of

    w = tw.build()
    transfer = tw.offer(w)
    own = ChildFactory(school=w.po)
    teacher = teacher_of(own).user
    client = login(teacher)
    c = w.child.pk
    before = AccessLogEntry.objects.filter(user_id=teacher.pk).count()
    for url in (
        f"/kinderen/{c}/opp/",
        f"/kinderen/{c}/opp/pdf/",
        f"/kinderen/{c}/opp/instemming-op-papier/",
        f"/kinderen/{c}/swv-aanvraag/",
        f"/kinderen/{c}/swv-aanvraag/nieuw/",
        f"/kinderen/{c}/overstap/",
        f"/kinderen/{c}/overstap/{transfer.pk}/",
        f"/kinderen/{c}/overstap/{transfer.pk}/rapport.pdf",
    ):
        assert client.get(url).status_code in (403, 404), url
    for url in (f"/kinderen/{c}/opp/", f"/kinderen/{c}/overstap/{transfer.pk}/", f"/kinderen/{c}/swv-aanvraag/nieuw/"):
        assert client.post(url, {"version": "1"}).status_code in (403, 404), url
    assert AccessLogEntry.objects.filter(user_id=teacher.pk).count() == before
