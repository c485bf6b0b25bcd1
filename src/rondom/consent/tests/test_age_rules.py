"""Who gives consent depends on the child's age (Jeugdwet/WGBO): under 12 the parents with authority,
12 to 15 the youth together with them, 16 and older the youth alone."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rondom.consent.models import Capacity, Consent
from rondom.consent.rules import rule_for_age
from rondom.records.consent import Giver, give_consent
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    OrganisationFactory,
    born_years_ago,
)

pytestmark = pytest.mark.django_db


def setup_child(age: int, parents: int = 2):  # type: ignore[no-untyped-def]
    child = ChildFactory(date_of_birth=born_years_ago(age))
    guardianships = [GuardianshipFactory(child=child) for _ in range(parents)]
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    return child, guardianships, ib


def give(ib, child, givers):  # type: ignore[no-untyped-def]
    return give_consent(
        ib,
        child,
        purpose="wijkteam",
        categories=["support"],
        recipient=OrganisationFactory(kind="wijkteam"),
        givers=givers,
    )


@pytest.mark.parametrize(
    ("age", "label"),
    [
        (0, "parents"),
        (11, "parents"),
        (12, "youth_and_parents"),
        (15, "youth_and_parents"),
        (16, "youth"),
        (17, "youth"),
    ],
)
def test_age_rule_table(age: int, label: str) -> None:
    assert rule_for_age(age).label == label


def test_under_12_every_parent_with_authority_decides() -> None:
    child, (mother, father), ib = setup_child(9)
    with pytest.raises(ValidationError) as one_parent:
        give(ib, child, [Giver(Capacity.PARENT, mother)])
    assert "givers" in one_parent.value.message_dict
    consent = give(ib, child, [Giver(Capacity.PARENT, mother), Giver(Capacity.PARENT, father)])
    assert consent.is_active()


def test_under_12_the_child_does_not_sign() -> None:
    child, (mother, father), ib = setup_child(9)
    with pytest.raises(ValidationError):
        give(ib, child, [Giver(Capacity.PARENT, mother), Giver(Capacity.PARENT, father), Giver(Capacity.YOUTH)])


def test_from_12_to_15_the_youth_and_the_parents_decide_together() -> None:
    child, (mother, father), ib = setup_child(13)
    with pytest.raises(ValidationError):
        give(ib, child, [Giver(Capacity.PARENT, mother), Giver(Capacity.PARENT, father)])
    with pytest.raises(ValidationError):
        give(ib, child, [Giver(Capacity.YOUTH)])
    assert give(ib, child, [Giver(Capacity.PARENT, mother), Giver(Capacity.PARENT, father), Giver(Capacity.YOUTH)])


def test_from_16_the_youth_decides_alone() -> None:
    child, (mother, _father), ib = setup_child(16)
    with pytest.raises(ValidationError):
        give(ib, child, [Giver(Capacity.PARENT, mother)])
    with pytest.raises(ValidationError):
        give(ib, child, [Giver(Capacity.YOUTH), Giver(Capacity.PARENT, mother)])
    assert give(ib, child, [Giver(Capacity.YOUTH)])


def test_a_parent_without_authority_cannot_consent() -> None:
    child, (mother,), ib = setup_child(8, parents=1)
    stepfather = GuardianshipFactory(child=child, has_authority=False)
    with pytest.raises(ValidationError):
        give(ib, child, [Giver(Capacity.PARENT, mother), Giver(Capacity.PARENT, stepfather)])


def test_only_a_youth_of_16_decides_about_informing_parents() -> None:
    child, (mother, father), ib = setup_child(14)
    with pytest.raises(ValidationError) as exc:
        give_consent(
            ib,
            child,
            purpose="inform_parents",
            categories=["support"],
            recipient=None,
            givers=[Giver(Capacity.PARENT, mother), Giver(Capacity.PARENT, father), Giver(Capacity.YOUTH)],
        )
    assert "purpose" in exc.value.message_dict


def test_invalid_consent_writes_nothing() -> None:
    child, (mother, _father), ib = setup_child(9)
    with pytest.raises(ValidationError):
        give(ib, child, [Giver(Capacity.PARENT, mother)])
    assert Consent.objects.count() == 0
