from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rondom.accounts.models import Organisation, User
from tests.factories import MembershipFactory, MunicipalityFactory, SchoolFactory, UserFactory

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 9, 14)


@pytest.fixture
def school() -> Organisation:
    return SchoolFactory(
        name="De Vlinder", brin="07VL", vestiging="00", municipality=MunicipalityFactory(name="Zwolle")
    )


@pytest.fixture
def beheerder(school: Organisation) -> User:
    return MembershipFactory(organisation=school, role="functional_admin").user


@pytest.fixture
def teachers(school: Organisation) -> dict[str, User]:
    """Two of the file's three teachers have an account with a teacher role at the school (found by e-mail)."""
    found = {}
    for email in ("m.vanthof@vlinder.example", "s.dekker@vlinder.example"):
        user = UserFactory(email=email)
        MembershipFactory(user=user, organisation=school, role="teacher", valid_from=date(2026, 8, 1))
        found[email] = user
    return found
