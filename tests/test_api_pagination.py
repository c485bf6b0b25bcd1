"""Every API list across children or organisations is paginated with DRF's page-number pagination: the page size
from the settings, ``count``/``next``/``previous``/``results``, and the access log holds one row per child on the
page shown — no list is cut off any more (issue 13, point 5; rondom.config.pagination)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from rondom.audit.models import AccessLogEntry
from rondom.cases.models import Case
from tests.factories import ChildFactory, MembershipFactory, SchoolFactory

pytestmark = pytest.mark.django_db
JSON = "application/json"
PAGINATED = ["/api/children/", "/api/cases/", "/api/help-requests/inbox/", "/api/organisations/"]
PAGINATED += ["/api/administration-log/"]
# Issue 15, part 6: the lists of the other capabilities.
PAGINATED += ["/api/absence-signals/", "/api/thuiszitters/", "/api/funding/pilots/", "/api/notifications/"]
PAGINATED += ["/api/portal/children/"]


@pytest.fixture
def small_pages(settings):  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 2}


def _all_pages(client: Client, url: str) -> list[dict[str, Any]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        url = pages[-1]["next"]
    return pages


def _searched(user_id: int) -> list[int]:
    return sorted(AccessLogEntry.objects.filter(user_id=user_id, action="search").values_list("child_id", flat=True))


def test_the_children_list_pages_through_every_child_and_logs_the_children_of_each_page(small_pages, login) -> None:  # type: ignore[no-untyped-def]
    school = SchoolFactory()
    children = [ChildFactory(school=school) for _ in range(5)]
    ib = MembershipFactory(organisation=school, role="intern_begeleider").user
    client = login(ib)

    first = client.get("/api/children/").json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["previous"] is None and first["next"].endswith("?page=2")
    assert _searched(ib.pk) == sorted(c["id"] for c in first["results"])  # only the children shown

    pages = _all_pages(client, "/api/children/")
    assert [len(p["results"]) for p in pages] == [2, 2, 1]
    assert pages[-1]["next"] is None and pages[-1]["previous"] is not None
    shown = [c["id"] for p in pages for c in p["results"]]
    assert sorted(shown) == sorted(c.pk for c in children) and len(set(shown)) == 5


def test_a_longer_list_than_the_old_cut_is_answered_whole_over_its_pages(settings, login) -> None:  # type: ignore[no-untyped-def]
    """Before: at most 200 children, silently. Now every child is reachable, PAGE_SIZE at a time."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 100}
    school = SchoolFactory()
    ChildFactory.create_batch(205, school=school)
    client = login(MembershipFactory(organisation=school, role="intern_begeleider").user)
    pages = _all_pages(client, "/api/children/")
    assert pages[0]["count"] == 205 and [len(p["results"]) for p in pages] == [100, 100, 5]


def test_the_case_list_pages_over_the_cases_the_user_may_read(small_pages, login) -> None:  # type: ignore[no-untyped-def]
    school = SchoolFactory()
    ib = MembershipFactory(organisation=school, role="intern_begeleider").user
    client = login(ib)
    for child in [ChildFactory(school=school) for _ in range(3)]:
        base = f"/api/children/{child.pk}"
        body = {"raised_by_kind": "teacher", "concerns": ["behaviour"], "description": "Onrustig in de klas"}
        sid = client.post(f"{base}/signals/", body, content_type=JSON).json()["id"]
        talk = {"conversation_on": date.today().isoformat(), "conversation_notes": "Moeder herkent het"}
        assert client.post(f"{base}/signals/{sid}/conversation/", talk, content_type=JSON).status_code == 200
        assert client.post(f"{base}/cases/", {"signal": sid, "question": "Wat?"}, content_type=JSON).status_code == 201
    before = AccessLogEntry.objects.filter(user_id=ib.pk, action="search").count()

    first = client.get("/api/cases/").json()
    assert first["count"] == 3 and len(first["results"]) == 2
    assert AccessLogEntry.objects.filter(user_id=ib.pk, action="search").count() == before + 2
    pages = _all_pages(client, "/api/cases/")
    assert sorted(c["id"] for p in pages for c in p["results"]) == sorted(Case.objects.values_list("pk", flat=True))
    filtered = client.get("/api/cases/?state=registered&page=2").json()
    assert filtered["count"] == 3 and len(filtered["results"]) == 1


@pytest.mark.parametrize("page", ["0", "-1", "abc", "١", ""])
def test_a_page_that_is_not_a_whole_number_of_1_or_more_is_a_400_naming_page(page: str, login) -> None:  # type: ignore[no-untyped-def]
    client = login(MembershipFactory(role="intern_begeleider").user)
    response = client.get(f"/api/children/?page={page}")
    assert response.status_code == 400 and "page" in response.json()


def test_a_page_beyond_the_last_is_a_404(login) -> None:  # type: ignore[no-untyped-def]
    client = login(MembershipFactory(role="intern_begeleider").user)
    response = client.get("/api/children/?page=2")
    assert response.status_code == 404 and response.json() == {"detail": "Niet gevonden."}


def test_the_schema_documents_every_paginated_list(client: Client) -> None:
    schema = client.get("/api/schema/?format=json").json()
    for url in PAGINATED:
        operation = schema["paths"][url]["get"]
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert set(component["properties"]) == {"count", "next", "previous", "results"}, url
        assert any(p["name"] == "page" and p["in"] == "query" for p in operation["parameters"]), url
        assert {"400", "404"} <= set(operation["responses"]), url


def test_no_list_across_children_or_organisations_is_cut_off_or_answered_as_a_bare_array(client: Client) -> None:
    """A GET without a path parameter that answers a bare array would be a list outside the pagination. The one
    exception: the emergency reviews (a short queue, each row logged by the service; docs/access-log.md)."""
    schema = client.get("/api/schema/?format=json").json()
    bare = []
    for url, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in url:
            continue
        content = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
        if content.get("schema", {}).get("type") == "array":
            bare.append(url)
    assert bare == ["/api/emergency-reviews/"]
