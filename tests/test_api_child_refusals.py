"""What the child API refuses (a tester's probe of issue 12): moving a pupil to a school where the actor may not
register children or out of every school, Unicode digits and wrong JSON types, contradicting versions, and 404
answers that name a model in English. Each refusal answers in Dutch, names the field and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework import serializers

from rondom.audit.models import AccessLogEntry
from rondom.consent.models import Consent, Purpose
from rondom.registry.models import Child
from rondom.versioning import requested_version
from tests.factories import ChildFactory, MembershipFactory, MunicipalityFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def patch(client: Client, child: Child, body: dict[str, Any], if_match: str | None = '"1"') -> Any:
    headers = {"If-Match": if_match} if if_match else {}
    return client.patch(f"/api/children/{child.pk}/", body, content_type="application/json", headers=headers)


def state(child: Child) -> tuple[Any, ...]:
    child.refresh_from_db()
    return (child.school_id, child.version, child.given_name, child.date_of_birth)


def update_rows(child: Child) -> int:
    return AccessLogEntry.objects.filter(child_id=child.pk, action="update").count()


# 1. Changing a child's school follows the rule of registering a child there.


def test_an_ib_cannot_move_a_pupil_to_a_school_where_they_may_not_register_children(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    client = login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)
    other_school = SchoolFactory()
    before = state(child)
    response = patch(client, child, {"school": other_school.pk})
    assert response.status_code == 403
    assert state(child) == before
    assert update_rows(child) == 0
    assert not AccessLogEntry.objects.filter(child_id=child.pk).exists()


def test_an_ib_cannot_take_a_pupil_out_of_every_school_by_a_change(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    client = login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)
    before = state(child)
    response = patch(client, child, {"school": None})
    assert response.status_code == 400
    assert "school" in response.json()
    assert "blijft ingeschreven bij een school" in " ".join(response.json()["school"])
    assert state(child) == before
    assert update_rows(child) == 0
    assert not AccessLogEntry.objects.filter(child_id=child.pk).exists()


def test_an_ib_of_both_schools_may_move_a_pupil_between_them(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    membership = MembershipFactory(organisation=child.school, role="intern_begeleider")
    other_school = SchoolFactory()
    MembershipFactory(organisation=other_school, role="intern_begeleider", user=membership.user)
    response = patch(login(membership.user), child, {"school": other_school.pk})
    assert response.status_code == 200
    child.refresh_from_db()
    assert (child.school_id, child.version) == (other_school.pk, 2)
    assert update_rows(child) == 1


def test_sending_the_pupils_own_school_again_is_no_move_and_is_allowed(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    client = login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)
    assert patch(client, child, {"school": child.school_id, "group": "5"}).status_code == 200


# 2. Only ASCII digits in dates and numbers, JSON integers for related records, a letter in a name.


@pytest.fixture
def ib_client(login):  # type: ignore[no-untyped-def]
    membership = MembershipFactory(role="intern_begeleider")
    return login(membership.user), membership.organisation


def new_child(school_pk: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": "Sara",
        "family_name": "de Wit",
        "date_of_birth": "2016-03-14",
        "school": school_pk,
        "home_municipality": MunicipalityFactory().pk,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_of_birth", "٢٠١٥-٠١-٠١"),  # Arabic-Indic digits
        ("date_of_birth", "１９９９-01-01"),  # fullwidth digits
        ("date_of_birth", "2015-0١-01"),  # one foreign digit
        ("date_of_birth", "20150101"),  # not ISO 8601 extended
        ("date_of_birth", 20150101),  # a number, not a text
        ("date_of_birth", "2015-01-01T00:00:00"),  # a datetime for a date
        ("school", "1"),  # a text where the schema says integer
        ("school", "١"),
        ("school", True),
        ("school", 1.0),
        ("home_municipality", "1"),
        ("home_municipality", [1]),
        ("given_name", "\u0301"),  # only a combining accent
        ("given_name", "123"),  # only digits
        ("family_name", "-- '"),  # only punctuation
    ],
)
def test_a_registration_with_foreign_digits_wrong_json_types_or_a_name_without_a_letter_is_refused(
    ib_client, field: str, value: Any
) -> None:  # type: ignore[no-untyped-def]
    client, school = ib_client
    body = new_child(school.pk)
    if field == "school" and value == "1":
        value = str(school.pk)  # the actor's own school, only written as a text
    if field == "home_municipality":
        value = [body["home_municipality"]] if isinstance(value, list) else str(body["home_municipality"])
    body[field] = value
    response = client.post("/api/children/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Child.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "dutch"),
    [
        ("date_of_birth", "٢٠١٥-٠١-٠١", "Verwacht een datum als JJJJ-MM-DD, in de cijfers 0-9."),
        ("home_municipality", "1", "Verwacht een geheel getal."),
        ("given_name", "\u0301", "Een naam moet minstens één letter bevatten."),
    ],
)
def test_the_refusal_names_the_field_and_the_reason_in_dutch(ib_client, field: str, value: Any, dutch: str) -> None:  # type: ignore[no-untyped-def]
    client, school = ib_client
    response = client.post("/api/children/", new_child(school.pk, **{field: value}), content_type="application/json")
    assert response.status_code == 400
    assert response.json()[field] == [dutch]


def test_a_change_of_school_written_in_arabic_digits_is_refused_not_read_as_a_number(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    client = login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)
    before = state(child)
    response = patch(client, child, {"school": "١"})
    assert response.status_code == 400 and "school" in response.json()
    assert state(child) == before


@pytest.mark.parametrize("name", ["Élodie", "Zoë", "O'Neil", "Jan-Willem", "Łukasz", "李", "ʻAkau"])
def test_names_with_at_least_one_letter_are_still_accepted(ib_client, name: str) -> None:  # type: ignore[no-untyped-def]
    client, school = ib_client
    response = client.post("/api/children/", new_child(school.pk, given_name=name), content_type="application/json")
    assert response.status_code == 201, response.content


def test_an_iso_date_in_ascii_digits_is_still_accepted(ib_client) -> None:  # type: ignore[no-untyped-def]
    client, school = ib_client
    response = client.post(
        "/api/children/", new_child(school.pk, date_of_birth="2015-01-01"), content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["date_of_birth"] == "2015-01-01"


@pytest.mark.parametrize("value", ["2026-11-29T10:00:00Z", "2026-11-29T10:00:00+01:00", "2026-11-29T10:00"])
def test_a_datetime_field_takes_iso_8601_in_ascii_digits(value: str) -> None:
    field = serializers.DateTimeField()
    assert field.run_validation(value) is not None


@pytest.mark.parametrize(
    "value", ["٢٠٢٦-11-29T10:00:00Z", "2026-11-29T１0:00:00Z", "29-11-2026 10:00", 1764410400, "2026-11-29"]
)
def test_a_datetime_field_refuses_foreign_digits_other_formats_and_numbers(value: Any) -> None:
    field = serializers.DateTimeField()
    with pytest.raises(serializers.ValidationError):
        field.run_validation(value)


# 3. If-Match and the body's version may not contradict each other.


def test_an_if_match_and_a_body_version_that_differ_answer_400_and_change_nothing(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(group="3")
    client = login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)
    response = patch(client, child, {"group": "8", "version": 99}, if_match='"1"')
    assert response.status_code == 400
    assert "version" in response.json()
    assert "noemen verschillende versies" in " ".join(response.json()["version"])
    child.refresh_from_db()
    assert (child.group, child.version) == ("3", 1)


def test_an_if_match_and_the_same_body_version_are_accepted(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(group="3")
    client = login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)
    assert patch(client, child, {"group": "8", "version": 1}, if_match='W/"1"').status_code == 200


@pytest.mark.parametrize(("header", "body"), [('"2"', 99), ('"2"', "99"), ("3", 0)])
def test_the_shared_version_helper_refuses_contradicting_versions(header: str, body: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        requested_version(header, body)
    assert "version" in refused.value.message_dict


# 4. A 404 answer is Dutch and names no model.


def test_withdrawing_another_childs_consent_answers_a_dutch_404_that_names_no_model(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    other = ChildFactory()
    consent = Consent.objects.create(
        child=other, purpose=Purpose.PROVIDER, categories=["support"], recipient=OrganisationFactory()
    )
    client = login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)
    response = client.post(
        f"/api/children/{child.pk}/consents/{consent.pk}/withdraw/", {}, content_type="application/json"
    )
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert detail == "Niet gevonden."
    assert "consent" not in response.content.decode().lower()
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_the_web_404_page_names_no_model(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    other = ChildFactory()
    consent = Consent.objects.create(
        child=other, purpose=Purpose.PROVIDER, categories=["support"], recipient=OrganisationFactory()
    )
    client = login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)
    response = client.get(f"/api/children/{child.pk}/notes/{consent.pk + 1000}/")
    assert response.status_code == 404 and response.json() == {"detail": "Niet gevonden."}
    page = client.get(f"/kinderen/{other.pk + 1000}/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "matches the given query" not in text and "Child" not in text
    assert "bestaat niet" in text
