"""Bad input gets a clear error naming the field and the reason in Dutch, and changes nothing."""

from __future__ import annotations

import pytest

from rondom.accounts.models import Membership, Organisation
from rondom.registry.models import Child
from tests.factories import ChildFactory, MembershipFactory, MunicipalityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ib_client(login):  # type: ignore[no-untyped-def]
    membership = MembershipFactory(role="intern_begeleider")
    return login(membership.user), membership.organisation


def new_child(school_org: Organisation, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "given_name": "Sara",
        "family_name": "de Wit",
        "date_of_birth": "2016-03-14",
        "school": school_org.pk,
        "home_municipality": MunicipalityFactory().pk,
        "group": "4",
    }
    data.update(overrides)
    return data


def test_a_valid_child_is_registered_with_an_encrypted_bsn(ib_client) -> None:  # type: ignore[no-untyped-def]
    client, school = ib_client
    response = client.post("/api/children/", new_child(school, bsn="111222333"), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["masked_bsn"] == "******333"
    child = Child.objects.get()
    assert "111222333" not in child.bsn_encrypted and child.bsn == "111222333"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("bsn", "123456789", "elfproef"),
        ("date_of_birth", "2016-02-30", "formaat"),
        ("date_of_birth", "2099-01-01", "toekomst"),
        ("school", 999999, "Onbekend"),
        ("home_municipality", 999999, "Onbekend"),
    ],
)
def test_invalid_child_answers_400_naming_field_and_reason(ib_client, field, value, reason) -> None:  # type: ignore[no-untyped-def]
    client, school = ib_client
    response = client.post("/api/children/", new_child(school, **{field: value}), content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert reason.lower() in " ".join(response.json()[field]).lower()
    assert not Child.objects.exists()


def test_a_duplicate_bsn_is_refused(ib_client) -> None:  # type: ignore[no-untyped-def]
    client, school = ib_client
    assert (
        client.post("/api/children/", new_child(school, bsn="111222333"), content_type="application/json").status_code
        == 201
    )
    response = client.post("/api/children/", new_child(school, bsn="111222333"), content_type="application/json")
    assert response.status_code == 400 and "bsn" in response.json()
    assert Child.objects.count() == 1


def test_a_role_that_does_not_fit_the_organisation_kind_is_refused(login) -> None:  # type: ignore[no-untyped-def]
    wijkteam = OrganisationFactory(kind="wijkteam")
    admin = MembershipFactory(organisation=wijkteam, role="functional_admin")
    client = login(admin.user)
    user = UserFactory()
    response = client.post(
        "/api/memberships/",
        {"user": user.pk, "organisation": wijkteam.pk, "role": "leerplicht_officer"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "past niet" in " ".join(response.json()["role"])
    assert not Membership.objects.filter(user=user).exists()
    ok = client.post(
        "/api/memberships/",
        {"user": user.pk, "organisation": wijkteam.pk, "role": "wijkteam_worker"},
        content_type="application/json",
    )
    assert ok.status_code == 201


def test_an_unknown_organisation_is_refused(login) -> None:  # type: ignore[no-untyped-def]
    client = login(MembershipFactory(role="functional_admin").user)
    response = client.post(
        "/api/memberships/",
        {"user": UserFactory().pk, "organisation": 999999, "role": "teacher"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "Onbekend" in response.json()["organisation"][0]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "De Esch", "kind": "school", "school_type": "po"}, "brin"),
        ({"name": "De Esch", "kind": "school", "brin": "12AB"}, "school_type"),
        ({"name": "De Esch", "kind": "school", "brin": "1234", "school_type": "po"}, "brin"),
        ({"name": "Wijkteam", "kind": "wijkteam", "brin": "12AB"}, "brin"),
        ({"name": "X", "kind": "spaceship"}, "kind"),
    ],
)
def test_invalid_organisations_are_refused(login, data, field) -> None:  # type: ignore[no-untyped-def]
    # Organisations are created by the gemeente's functioneel beheerder (access.tasks), within its municipality.
    gemeente = OrganisationFactory(kind="municipality")
    client = login(MembershipFactory(organisation=gemeente, role="functional_admin").user)
    before = Organisation.objects.count()
    data = {**data, "municipality": gemeente.municipality_id}
    response = client.post("/api/organisations/", data, content_type="application/json")
    assert response.status_code == 400 and field in response.json()
    assert Organisation.objects.count() == before


def test_a_stale_note_update_conflicts_instead_of_overwriting(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    client = login(ib)
    note = client.post(
        f"/api/children/{child.pk}/notes/",
        {"category": "support", "text": "Eerste versie"},
        content_type="application/json",
    ).json()
    url = f"/api/children/{child.pk}/notes/{note['id']}/"
    first = client.patch(url, {"text": "Versie van Ingrid", "version": 1}, content_type="application/json")
    assert first.status_code == 200
    stale = client.patch(url, {"text": "Versie van Karim", "version": 1}, content_type="application/json")
    assert stale.status_code == 409
    assert client.get(url).json()["text"] == "Versie van Ingrid"


def test_web_form_errors_are_in_dutch(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    response = login(ib).post(f"/kinderen/{child.pk}/toestemming/", {"purpose": "wijkteam"})
    assert response.status_code == 400
    assert "Dit veld is verplicht" in response.content.decode()


def test_a_functional_admin_manages_only_their_own_organisation_and_not_themselves(login) -> None:  # type: ignore[no-untyped-def]
    admin = MembershipFactory(role="functional_admin")
    client = login(admin.user)
    elsewhere = OrganisationFactory(kind="wijkteam")
    response = client.post(
        "/api/memberships/",
        {"user": UserFactory().pk, "organisation": elsewhere.pk, "role": "wijkteam_worker"},
        content_type="application/json",
    )
    assert response.status_code == 403
    itself = client.post(
        "/api/memberships/",
        {"user": admin.user.pk, "organisation": admin.organisation.pk, "role": "intern_begeleider"},
        content_type="application/json",
    )
    assert itself.status_code == 403
    assert Membership.objects.filter(user=admin.user).count() == 1
