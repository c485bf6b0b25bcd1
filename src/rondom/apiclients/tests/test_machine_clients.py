"""Machine clients on the API (issue 15, part 5): OAuth2 client credentials over the real token endpoint, a client
bound to one organisation and its scopes, logged as actor, rate limited, and rotated or ended by the beheerder.

Acceptance: "A client-credentials client posts absence for its own school (201, logged) and is refused for another
school (404), and without the scope (403)."
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from oauth2_provider.models import AccessToken, Application

from rondom.accounts.models import Organisation, User
from rondom.apiclients import services
from rondom.apiclients.models import ApiClient
from rondom.attendance.models import AbsenceImport, AbsenceRecord
from rondom.audit.models import AccessLogEntry
from rondom.registry.models import Child, PupilKey
from tests.factories import ChildFactory, MembershipFactory, SchoolFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
BSN = "111222333"


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def school() -> Organisation:
    return SchoolFactory(name="De Esch", brin="12AB", vestiging="00")


@pytest.fixture
def other_school() -> Organisation:
    return SchoolFactory(name="Het Anker", brin="34CD", vestiging="00")


@pytest.fixture
def beheerder(school: Organisation) -> User:
    return MembershipFactory(organisation=school, role="functional_admin").user


@pytest.fixture
def pupil(school: Organisation) -> Child:
    child = ChildFactory(school=school)
    child.set_bsn(BSN)
    child.save()
    PupilKey.objects.create(school=school, key="4711", child=child)
    return child


def make_client(beheerder: User, school: Organisation, scopes: list[str]) -> tuple[ApiClient, str]:
    return services.create_client(beheerder, school, name="ParnasSys verzuim", scopes=scopes, now=NOW)


def get_token(http: Client, client_id: str, secret: str, **extra: str) -> Any:
    return http.post(
        "/api/oauth/token/",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, **extra},
    )


def token_for(http: Client, api_client: ApiClient, secret: str) -> str:
    response = get_token(http, api_client.client_id, secret)
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


def post_absence(http: Client, token: str, school: str = "12AB00", **body: Any) -> Any:
    payload = {
        "school": school,
        "records": [{"pupil_key": "4711", "date": "2026-11-27", "kind": "unauthorised", "hours": 3}],
        **body,
    }
    return http.post("/api/absence/", payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


# --- The acceptance ---------------------------------------------------------------------------------------------


def test_a_client_posts_absence_for_its_own_school_201_and_logged(client, beheerder, school, pupil) -> None:  # type: ignore[no-untyped-def]
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    token = token_for(client, api_client, secret)
    response = post_absence(client, token, key="batch-1")
    assert response.status_code == 201, response.content
    assert response.json() | {"id": 0} == {
        "id": 0,
        "school": "12AB00",
        "key": "batch-1",
        "rows": 1,
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
        "pupils": 1,
    }
    stored = AbsenceRecord.objects.get(child=pupil)
    assert (stored.kind, stored.minutes, str(stored.date)) == ("unauthorised", 180, "2026-11-27")
    # The NEN 7513 row names the client as actor (its service account, with the client id), not a person.
    row = AccessLogEntry.objects.get(child_id=pupil.pk)
    assert row.user_id == api_client.user_id
    assert row.user_name == f"API-client ParnasSys verzuim ({api_client.client_id})"
    assert (row.action, row.category, row.object_type, row.organisation_id) == (
        "create",
        "absence",
        "absence_import",
        school.pk,
    )
    assert BSN not in row.user_name and pupil.given_name not in row.user_name


def test_a_client_is_refused_for_another_school_with_404(client, beheerder, school, other_school, pupil) -> None:  # type: ignore[no-untyped-def]
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    token = token_for(client, api_client, secret)
    stranger = ChildFactory(school=other_school)
    PupilKey.objects.create(school=other_school, key="4711", child=stranger)
    response = post_absence(client, token, school="34CD00")
    assert response.status_code == 404
    assert response.json() == {"detail": "Niet gevonden."}
    unknown = post_absence(client, token, school="99ZZ00")  # no such school: the same answer
    assert unknown.status_code == 404 and unknown.json() == response.json()
    assert not AbsenceRecord.objects.exists() and not AccessLogEntry.objects.exists()


def test_a_client_without_the_scope_is_refused_with_403(client, beheerder, school, pupil) -> None:  # type: ignore[no-untyped-def]
    api_client, secret = make_client(beheerder, school, ["monitoring:read"])
    token = token_for(client, api_client, secret)
    response = post_absence(client, token)
    assert response.status_code == 403
    assert "absence:write" in response.json()["detail"]
    assert not AbsenceRecord.objects.exists()
    # Nor can it ask for a scope it was not given.
    refused = get_token(client, api_client.client_id, secret, scope="absence:write")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"


# --- Tokens ----------------------------------------------------------------------------------------------------


def test_only_client_credentials_and_the_secret_is_hashed(client, beheerder, school) -> None:  # type: ignore[no-untyped-def]
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    application = Application.objects.get(pk=api_client.application_id)
    assert application.client_secret != secret and application.client_secret.startswith(("argon2", "pbkdf2_"))
    response = client.post(
        "/api/oauth/token/",
        {
            "grant_type": "password",
            "username": "x",
            "password": "y",
            "client_id": api_client.client_id,
            "client_secret": secret,
        },
    )
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"
    wrong = get_token(client, api_client.client_id, "not-the-secret")
    assert wrong.status_code == 401
    # HTTP Basic works as well as form fields (RFC 6749 §2.3.1).
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    response = client.post(
        "/api/oauth/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 200 and response.json()["scope"] == "absence:write"


def test_a_rotated_secret_and_its_tokens_no_longer_work(client, beheerder, school, pupil) -> None:  # type: ignore[no-untyped-def]
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    token = token_for(client, api_client, secret)
    new_secret = services.rotate_secret(beheerder, api_client, now=NOW)
    assert get_token(client, api_client.client_id, secret).status_code == 401
    old = post_absence(client, token)
    assert old.status_code == 401 and old.json()["detail"] == "Dit toegangsbewijs is niet (meer) geldig."
    assert old["WWW-Authenticate"].startswith("Bearer")
    assert post_absence(client, token_for(client, api_client, new_secret)).status_code == 201


def test_an_ended_client_gets_no_token_and_its_tokens_stop(client, beheerder, school, pupil) -> None:  # type: ignore[no-untyped-def]
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    token = token_for(client, api_client, secret)
    services.end_client(beheerder, api_client, now=NOW)
    assert post_absence(client, token).status_code == 401
    response = get_token(client, api_client.client_id, secret)
    assert response.status_code in (400, 401) and "access_token" not in response.json()
    assert not AccessToken.objects.exists()


def test_an_expired_token_is_refused(client, beheerder, school, pupil, _clock) -> None:  # type: ignore[no-untyped-def]
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    token = token_for(client, api_client, secret)
    _clock.shift(timedelta(hours=1, seconds=1))
    assert post_absence(client, token).status_code == 401
    assert not AbsenceRecord.objects.exists()


def test_a_client_token_opens_no_view_that_declares_no_scopes(client, beheerder, school, pupil) -> None:  # type: ignore[no-untyped-def]
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    token = token_for(client, api_client, secret)
    response = client.get("/api/children/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert not AccessLogEntry.objects.exists()


# --- Rate limits ------------------------------------------------------------------------------------------------


def test_a_client_over_its_rate_gets_429_in_dutch(client, settings, beheerder, school, pupil) -> None:  # type: ignore[no-untyped-def]
    settings.API_CLIENT_RATE = "2/m"
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    token = token_for(client, api_client, secret)
    assert post_absence(client, token).status_code == 201
    assert post_absence(client, token).status_code == 201
    response = post_absence(client, token, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 429
    assert response["Retry-After"]
    assert response.json()["detail"].startswith("Te veel verzoeken van deze API-client")


def test_the_token_endpoint_is_rate_limited(client, settings, beheerder, school) -> None:  # type: ignore[no-untyped-def]
    settings.API_TOKEN_RATE_LIMIT = "3/m"
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    for _ in range(3):
        get_token(client, api_client.client_id, "wrong")
    response = get_token(client, api_client.client_id, secret)
    assert response.status_code == 429
    assert "Te veel" in response.json()["error_description"]


# --- The absence itself: the same checks as a file --------------------------------------------------------------


def test_a_bad_record_refuses_the_batch_with_dutch_reasons(client, beheerder, school, pupil) -> None:  # type: ignore[no-untyped-def]
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    token = token_for(client, api_client, secret)
    records = [
        {"bsn": BSN, "date": "2026-11-26", "kind": "sick", "lesson_hour": 2},
        {"pupil_key": "9999", "date": "2026-11-26", "kind": "sick", "hours": 2},
        {"bsn": BSN, "date": "2026-12-31", "kind": "sick", "hours": 2},
    ]
    response = post_absence(client, token, records=records, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 400
    body = response.json()
    assert [(r["record"], r["field"]) for r in body["records"]] == [(2, "pupil"), (3, "date")]
    assert body["records"][1]["reason"] == "De datum ligt in de toekomst."
    assert not AbsenceRecord.objects.exists() and not AbsenceImport.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_the_same_key_or_the_same_rows_again_change_nothing(client, beheerder, school, pupil) -> None:  # type: ignore[no-untyped-def]
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    token = token_for(client, api_client, secret)
    assert post_absence(client, token, key="k1").status_code == 201
    again = post_absence(client, token, key="k1")
    assert again.status_code == 200 and again.json()["inserted"] == 1
    assert AbsenceImport.objects.count() == 1
    other = post_absence(
        client, token, key="k1", records=[{"bsn": BSN, "date": "2026-11-26", "kind": "sick", "hours": 1}]
    )
    assert other.status_code == 409
    same_rows = post_absence(client, token)  # no key: the upsert leaves equal rows alone
    assert same_rows.status_code == 201 and same_rows.json()["unchanged"] == 1
    assert AbsenceRecord.objects.count() == 1


def test_a_session_user_is_not_asked_for_scopes(login, beheerder, school, pupil) -> None:  # type: ignore[no-untyped-def]
    http = login(beheerder)
    response = http.post(
        "/api/absence/",
        {"school": "12AB00", "records": [{"bsn": BSN, "date": "2026-11-27", "kind": "late", "lesson_hour": 1}]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_posted_absence_raises_threshold_signals_as_a_file_does(  # type: ignore[no-untyped-def]
    client, settings, django_capture_on_commit_callbacks, beheerder, school, pupil
) -> None:
    from rondom.attendance.models import AbsenceProtocol, ThresholdSignal

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    AbsenceProtocol.objects.create(
        name="16 uur",
        kinds=["unauthorised"],
        metric="hours_in_window",
        threshold=4,
        window_days=28,
        signal_role="intern_begeleider",
    )
    api_client, secret = make_client(beheerder, school, ["absence:write"])
    token = token_for(client, api_client, secret)
    records = [
        {"pupil_key": "4711", "date": day, "kind": "unauthorised", "hours": 3} for day in ("2026-11-26", "2026-11-27")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert post_absence(client, token, records=records).status_code == 201
    assert ThresholdSignal.objects.filter(child=pupil, protocol__name="16 uur").exists()


def test_every_call_names_the_client_in_the_request_log(client, caplog, beheerder, school, pupil) -> None:  # type: ignore[no-untyped-def]
    api_client, secret = make_client(beheerder, school, ["monitoring:read"])
    token = token_for(client, api_client, secret)
    with caplog.at_level("INFO"):
        assert post_absence(client, token).status_code == 403  # refused calls too
    lines = [r for r in caplog.records if r.getMessage() == "request" and getattr(r, "route", "") == "api-absence"]
    assert [r.api_client for r in lines] == [api_client.client_id]  # type: ignore[attr-defined]
    assert ApiClient.objects.get(pk=api_client.pk).last_used_at == NOW
