"""The child page's cost does not grow with what the record holds (issue 17, capacity): notes and documents from the
family are read in one query each, whatever their number; what the page shows and logs stays the same."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rondom.audit.models import AccessLogEntry
from rondom.portal.models import FamilyDocument
from rondom.registry.models import Child
from tests.factories import ChildFactory, MembershipFactory, NoteFactory

pytestmark = pytest.mark.django_db


def _queries(client: Client, child: Child) -> tuple[int, str]:
    client.get(f"/kinderen/{child.pk}/")  # warm: session, roles
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/kinderen/{child.pk}/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _document(child: Child, name: str) -> FamilyDocument:
    return FamilyDocument.objects.create(
        child=child, capacity="parent", file="family/x.pdf", name=name, content_type="application/pdf", size=1
    )


def test_the_child_page_asks_the_same_queries_with_one_or_many_notes_and_documents(login) -> None:  # type: ignore[no-untyped-def]
    ib = MembershipFactory(role="intern_begeleider")
    bare, full = ChildFactory(school=ib.organisation), ChildFactory(school=ib.organisation)
    NoteFactory(child=bare, category="support")
    NoteFactory.create_batch(6, child=full, category="support")
    for n in range(4):
        _document(full, f"Verslag {n}.pdf")
    client = login(ib.user)
    few, _page = _queries(client, bare)
    many, page = _queries(client, full)
    assert many == few
    assert "Verslag 3.pdf" in page and "Verslag 0.pdf" in page  # the documents are shown
    # The page's read and the parts shown are logged as before: the identity read and one row per note category
    # the intern begeleider reads (support, absence).
    logged = AccessLogEntry.objects.filter(child_id=full.pk).order_by("-seq")[:3]
    assert {(r.category, r.object_type) for r in logged} == {
        ("identity", "child"),
        ("support", "notes"),
        ("absence", "notes"),
    }


def test_documents_from_the_family_are_not_shown_without_reading_support(login) -> None:  # type: ignore[no-untyped-def]
    admin = MembershipFactory(role="functional_admin")  # identity, no support
    child = ChildFactory(school=admin.organisation)
    _document(child, "Verslag.pdf")
    _count, page = _queries(login(admin.user), child)
    assert "Verslag.pdf" not in page
