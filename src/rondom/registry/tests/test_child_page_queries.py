"""The child page's cost does not grow with what the record holds (issue 17, capacity): notes and documents from the
family are read in one query each, whatever their number; what the page shows and logs stays the same."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rondom.audit.models import AccessLogEntry
from rondom.audit.services import verify_chain
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


#: The child page's queries (issue 17, capacity): session, user, second-factor device, roles, child, grounds, one
#: access-log write (savepoint, chain head, one INSERT, head update, release), notes, documents, unread
#: notifications, open actions, transfer. It was 24 with a session write and two log transactions per page.
CHILD_PAGE_QUERIES = 16


def test_the_child_page_writes_its_read_and_its_parts_in_one_insert_and_the_chain_verifies(login) -> None:  # type: ignore[no-untyped-def]
    ib = MembershipFactory(role="intern_begeleider")
    child = ChildFactory(school=ib.organisation)
    client = login(ib.user)
    client.get(f"/kinderen/{child.pk}/")
    before = AccessLogEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/kinderen/{child.pk}/")
    assert response.status_code == 200
    assert len(queries) <= CHILD_PAGE_QUERIES
    table = AccessLogEntry._meta.db_table
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT") and table in q["sql"]]
    assert len(inserts) == 1
    rows = list(AccessLogEntry.objects.order_by("seq")[before:])
    # The same rows as before, in the same order: the page's read first, then one per note category read.
    assert [(r.action, r.category, r.object_type) for r in rows] == [
        ("read", "identity", "child"),
        ("read", "absence", "notes"),
        ("read", "support", "notes"),
    ]
    assert verify_chain().ok


def test_a_page_that_shows_no_parts_still_logs_its_read(login) -> None:  # type: ignore[no-untyped-def]
    admin = MembershipFactory(role="functional_admin")  # identity only: no note category to show
    child = ChildFactory(school=admin.organisation)
    client = login(admin.user)
    assert client.get(f"/kinderen/{child.pk}/").status_code == 200
    rows = list(AccessLogEntry.objects.filter(child_id=child.pk))
    assert [(r.action, r.category, r.object_type, r.object_id) for r in rows] == [
        ("read", "identity", "child", str(child.pk))
    ]
    assert verify_chain().ok
