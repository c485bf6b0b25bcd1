"""The functioneel beheerder's page /api-koppelingen/: only the beheerder of the organisation; the secret shown
once after creation and rotation; ending a client. And the OpenAPI schema's OAuth2 security scheme."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine

from rondom.apiclients.models import ApiClient
from tests.factories import MembershipFactory, SchoolFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def _secret(html: str) -> str:
    found = re.search(r'data-testid="client-secret">([^<]+)<', html)
    assert found, "the secret is shown"
    return found.group(1)


def test_the_beheerder_creates_rotates_and_ends_a_client(login, client) -> None:  # type: ignore[no-untyped-def]
    school = SchoolFactory()
    beheerder = MembershipFactory(organisation=school, role="functional_admin").user
    http = login(beheerder)
    assert http.get("/api-koppelingen/").status_code == 200
    response = http.post(
        "/api-koppelingen/",
        {"organisation": school.pk, "name": "Magister", "scopes": ["absence:write"], "role": "functional_admin"},
    )
    assert response.status_code == 201
    secret = _secret(response.content.decode())
    api_client = ApiClient.objects.get(organisation=school)
    assert secret not in http.get("/api-koppelingen/").content.decode()  # shown once only
    assert api_client.application.client_secret != secret

    asked = http.post(f"/api-koppelingen/{api_client.pk}/sleutel/")  # the button asks first; nothing changes
    assert asked.status_code == 200 and "Ja, ik weet het zeker" in asked.content.decode()
    assert 'data-testid="client-secret"' not in asked.content.decode()
    api_client.refresh_from_db()
    assert api_client.secret_rotated_at is None
    rotated = http.post(f"/api-koppelingen/{api_client.pk}/sleutel/", {"confirm": "yes"})
    assert rotated.status_code == 200
    assert _secret(rotated.content.decode()) != secret

    asked = http.post(f"/api-koppelingen/{api_client.pk}/beeindigen/")
    api_client.refresh_from_db()
    assert asked.status_code == 200 and api_client.ended_at is None
    ended = http.post(f"/api-koppelingen/{api_client.pk}/beeindigen/", {"confirm": "yes"})
    assert ended.status_code == 200
    api_client.refresh_from_db()
    assert api_client.ended_at is not None and not api_client.user.is_active


def test_only_the_beheerder_of_that_organisation(login, client) -> None:  # type: ignore[no-untyped-def]
    school, other = SchoolFactory(), SchoolFactory()
    beheerder = MembershipFactory(organisation=school, role="functional_admin").user
    login(beheerder).post(
        "/api-koppelingen/",
        {"organisation": school.pk, "name": "Magister", "scopes": ["absence:write"], "role": "functional_admin"},
    )
    api_client = ApiClient.objects.get()
    client.logout()
    ib = MembershipFactory(organisation=school, role="intern_begeleider").user
    assert login(ib).get("/api-koppelingen/").status_code == 403
    client.logout()
    stranger = MembershipFactory(organisation=other, role="functional_admin").user
    http = login(stranger)
    assert "Magister" not in http.get("/api-koppelingen/").content.decode()
    assert http.post(f"/api-koppelingen/{api_client.pk}/sleutel/").status_code == 404
    refused = http.post(
        "/api-koppelingen/",
        {"organisation": school.pk, "name": "Sneaky", "scopes": ["absence:write"], "role": "functional_admin"},
    )
    assert refused.status_code == 400 and ApiClient.objects.count() == 1


def test_the_schema_shows_the_client_credentials_scheme(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/schema/?format=json").json()
    scheme = schema["components"]["securitySchemes"]["oauth2"]
    flow = scheme["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/api/oauth/token/" and "absence:write" in flow["scopes"]
    assert {"oauth2": ["absence:write"]} in schema["paths"]["/api/absence/"]["post"]["security"]
    assert all("oauth2" not in s for s in schema["paths"]["/api/children/"]["get"]["security"])


def test_the_page_names_what_a_client_may_do_in_words_not_codes(login, client) -> None:  # type: ignore[no-untyped-def]
    school = SchoolFactory()
    beheerder = MembershipFactory(organisation=school, role="functional_admin").user
    http = login(beheerder)
    http.post(
        "/api-koppelingen/",
        {"organisation": school.pk, "name": "Magister", "scopes": ["absence:write"], "role": "functional_admin"},
    )
    page = http.get("/api-koppelingen/").content.decode()
    assert "absence:write —" not in page and ">absence:write<" not in page  # only the form's value attribute
    assert "Verzuim van onze school aanleveren" in page
