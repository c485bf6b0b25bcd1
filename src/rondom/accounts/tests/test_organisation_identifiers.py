"""A school's BRIN and vestiging: case and spaces normalised, digits only 0-9, refused with the field named."""

from __future__ import annotations

import pytest

from rondom.accounts.models import Organisation
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_a_brin_in_lower_case_with_spaces_is_stored_in_capitals(login) -> None:  # type: ignore[no-untyped-def]
    # Organisations are created by the gemeente's functioneel beheerder (access.tasks), within its municipality.
    gemeente = OrganisationFactory(kind="municipality")
    client = login(MembershipFactory(organisation=gemeente, role="functional_admin").user)

    response = client.post(
        "/api/organisations/",
        {
            "name": "De Esch",
            "kind": "school",
            "brin": " 12ab",
            "vestiging": "01",
            "school_type": "po",
            "municipality": gemeente.municipality_id,
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    assert Organisation.objects.filter(brin="12AB", vestiging="01").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("brin", "\u0661\u0662AB"),  # Arabic-Indic digits
        ("brin", "\uff11\uff12AB"),  # fullwidth digits
        ("brin", "\u0967\u0968AB"),  # Devanagari digits
        ("vestiging", "0\u00b9"),  # a superscript one
        ("vestiging", "\u0660\u0660"),
    ],
)
def test_other_digits_than_0_to_9_are_refused_naming_the_field(login, field: str, value: str) -> None:  # type: ignore[no-untyped-def]
    gemeente = OrganisationFactory(kind="municipality")
    client = login(MembershipFactory(organisation=gemeente, role="functional_admin").user)
    data = {"name": "De Esch", "kind": "school", "brin": "12AB", "vestiging": "00", "school_type": "po"}
    data = {**data, "municipality": gemeente.municipality_id, field: value}
    before = Organisation.objects.count()

    response = client.post("/api/organisations/", data, content_type="application/json")

    assert response.status_code == 400 and list(response.json()) == [field]
    assert Organisation.objects.count() == before
