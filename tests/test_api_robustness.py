"""The API and the pages never answer 500 to what a client sends, never let a browser keep a child's data,
and never tell whether a BSN is known elsewhere (issue 12, findings 7 and 8)."""

from __future__ import annotations

import pytest
from django.test import Client

from rondom.config.parsers import max_depth
from rondom.registry.models import Child, ChildNote, RefusedBsn
from tests.factories import ChildFactory, MembershipFactory, MunicipalityFactory, make_bsn, pupil_with_bsn

pytestmark = pytest.mark.django_db


def ib_client(login, child: Child) -> Client:  # type: ignore[no-untyped-def]
    return login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)  # type: ignore[no-any-return]


# --- JSON bodies: bounded depth and size -------------------------------------------------------------------


def nested(depth: int) -> str:
    return '{"text": ' + "[" * depth + "]" * depth + ', "category": "support"}'


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/children/{id}/notes/"), ("patch", "/api/children/{id}/"), ("post", "/api/children/")],
)
def test_deeply_nested_json_answers_400_in_dutch_on_every_json_endpoint(login, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    client = ib_client(login, child)
    body = nested(5_000)  # about 10 KB: a RecursionError (500) before
    response = getattr(client, method)(path.format(id=child.pk), body, content_type="application/json")
    assert response.status_code == 400
    assert "te diep genest" in response.json()["detail"]
    assert not ChildNote.objects.exists()


def test_a_json_body_over_the_size_limit_answers_400_and_changes_nothing(login, settings) -> None:  # type: ignore[no-untyped-def]
    settings.API_JSON_MAX_BYTES = 10_000
    child = ChildFactory()
    body = '{"category": "support", "text": "' + "a" * 10_001 + '"}'
    response = ib_client(login, child).post(f"/api/children/{child.pk}/notes/", body, content_type="application/json")
    assert response.status_code == 400 and "te groot" in response.json()["detail"]
    assert not ChildNote.objects.exists()


def test_brackets_inside_text_do_not_count_as_nesting(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    text = "[[[[ " * 100 + '{ "quote" \\" ]'
    response = ib_client(login, child).post(
        f"/api/children/{child.pk}/notes/", {"category": "support", "text": text}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert ChildNote.objects.get().text == text.strip()


@pytest.mark.parametrize(
    ("text", "depth"),
    [("1", 0), ("[]", 1), ('{"a": [1, {"b": []}]}', 4), ('["]]]]", "[[["]', 1), ('["\\"[[["]', 1)],
)
def test_max_depth_counts_only_structural_brackets(text: str, depth: int) -> None:
    assert max_depth(text) == depth


def test_invalid_json_and_nan_answer_400(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    client = ib_client(login, child)
    for body in ('{"text": ', '{"text": NaN, "category": "support"}', b'{"text": "\xff"}'):
        response = client.post(f"/api/children/{child.pk}/notes/", body, content_type="application/json")
        assert response.status_code == 400, body


# --- Cache-Control: no-store -------------------------------------------------------------------------------


def test_pages_and_api_answers_with_child_data_are_not_stored(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    client = ib_client(login, child)
    for url in (f"/kinderen/{child.pk}/", f"/api/children/{child.pk}/", "/api/children/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url


def test_an_error_answer_is_not_stored_either(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    response = ib_client(login, child).get("/api/children/999999/")
    assert response.status_code == 404 and "no-store" in response["Cache-Control"]


def test_static_files_stay_cacheable(client) -> None:  # type: ignore[no-untyped-def]
    from django.test import override_settings

    with override_settings(DEBUG=False):
        response = client.get("/static/rondom/does-not-exist.css")
    assert "no-store" not in response.get("Cache-Control", "")


# --- BSN: no answer tells whether it is known elsewhere ----------------------------------------------------


def test_a_bsn_of_another_child_is_refused_exactly_like_an_invalid_one_and_the_attempt_is_logged(login) -> None:  # type: ignore[no-untyped-def]
    other = pupil_with_bsn(1)
    child = ChildFactory()
    client = ib_client(login, child)
    url = f"/api/children/{child.pk}/"
    elsewhere = client.patch(url, {"bsn": other.bsn, "version": 1}, content_type="application/json")
    invalid = client.patch(url, {"bsn": "123456789", "version": 1}, content_type="application/json")
    assert elsewhere.status_code == invalid.status_code == 400
    assert elsewhere.content == invalid.content
    assert "kan niet worden opgeslagen" in elsewhere.json()["bsn"][0]
    child.refresh_from_db()
    assert child.bsn == "" and child.version == 1
    attempt = RefusedBsn.objects.get()
    assert attempt.child_id_edited == child.pk and attempt.user is not None
    assert other.bsn not in str(vars(attempt))


def test_registering_a_child_with_a_known_bsn_reads_like_any_refusal(login) -> None:  # type: ignore[no-untyped-def]
    other = pupil_with_bsn(2)
    child = ChildFactory()
    client = ib_client(login, child)
    data = {
        "given_name": "Sara",
        "family_name": "de Wit",
        "date_of_birth": "2016-03-14",
        "school": child.school_id,
        "home_municipality": MunicipalityFactory().pk,
    }
    known = client.post("/api/children/", {**data, "bsn": other.bsn}, content_type="application/json")
    invalid = client.post("/api/children/", {**data, "bsn": "111111111"}, content_type="application/json")
    assert known.status_code == invalid.status_code == 400 and known.content == invalid.content
    assert Child.objects.count() == 2
    assert RefusedBsn.objects.filter(child_id_edited=None, school=child.school).count() == 1


def test_the_childs_own_bsn_again_is_no_refusal(login) -> None:  # type: ignore[no-untyped-def]
    child = pupil_with_bsn(3)
    response = ib_client(login, child).patch(
        f"/api/children/{child.pk}/", {"bsn": make_bsn(3), "version": 1}, content_type="application/json"
    )
    assert response.status_code == 200
    assert not RefusedBsn.objects.exists()


# --- The schema says what the API answers ------------------------------------------------------------------


def test_a_child_without_a_school_answers_null_and_the_schema_declares_it_nullable(login, client) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    ib = login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)
    Child.objects.filter(pk=child.pk).update(school=None)  # left school: an absolute thuiszitter
    assert ib.get(f"/api/children/{child.pk}/").status_code == 404  # outside the school's scope now, not a 500
    from rondom.registry.api import ChildSerializer

    assert ChildSerializer(Child.objects.get(pk=child.pk)).data["school"] is None
    schema = client.get("/api/schema/?format=json").json()
    school = schema["components"]["schemas"]["Child"]["properties"]["school"]
    assert school.get("nullable") is True and school["type"] == "integer"


def test_every_operation_documents_its_error_answers(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/schema/?format=json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"403", "429"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "409" in codes, (method, path)
            if "requestBody" in operation:
                assert {"400", "415"} <= codes and list(operation["requestBody"]["content"]) == ["application/json"]


def test_a_url_under_api_that_no_route_matches_answers_json(login, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    child = ChildFactory()
    response = ib_client(login, child).get("/api/children/abc/")
    assert response.status_code == 404 and response.json() == {"detail": "Niet gevonden."}


@pytest.mark.parametrize(("field", "value"), [("text", 0), ("text", True), ("text", ["a"]), ("category", 1)])
def test_a_field_of_the_wrong_json_type_is_refused(login, field: str, value: object) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    body = {"category": "support", "text": "Gesprek gevoerd.", field: value}
    response = ib_client(login, child).post(f"/api/children/{child.pk}/notes/", body, content_type="application/json")
    assert response.status_code == 400 and field in response.json()
    assert not ChildNote.objects.exists()


def test_a_form_encoded_body_is_refused_with_415(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    response = ib_client(login, child).post(
        f"/api/children/{child.pk}/notes/", {"category": "support", "text": "Gesprek gevoerd."}
    )
    assert response.status_code == 415
    assert not ChildNote.objects.exists()


def test_only_a_unique_constraint_becomes_a_conflict_other_integrity_errors_stay_server_errors() -> None:
    from django.db import IntegrityError

    from rondom.config.middleware import is_unique_violation

    class PgError(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    def raised(message: str, cause: Exception | None = None) -> IntegrityError:
        error = IntegrityError(message)
        error.__cause__ = cause
        return error

    assert is_unique_violation(raised("UNIQUE constraint failed: thuiszitters_thuiszitter.child_id"))
    assert is_unique_violation(raised("duplicate key value", PgError("23505")))
    assert not is_unique_violation(raised("NOT NULL constraint failed: registry_child.school_id"))
    assert not is_unique_violation(raised("insert violates foreign key", PgError("23503")))
