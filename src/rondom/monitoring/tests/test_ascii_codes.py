"""Codes in a query or a field hold the digits 0-9 only: other Unicode digits are no code, never a 500."""

from __future__ import annotations

import pytest

from rondom.core.schoolyear import SchoolYear
from rondom.monitoring.tests.test_dashboard import YEAR, city  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "digit", ["\u00b3", "\u0663", "\uff13", "\u0969"], ids=["superscript", "arabic", "full", "deva"]
)
def test_a_wijk_code_in_other_digits_compares_with_the_city_instead_of_failing(login, city, digit) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client = login(city["officer"])

    response = client.get(f"/monitoring/?pilot={city['pilot'].pk}&year={YEAR}&compare=wijk:{digit}")

    assert response.status_code == 200
    assert f'value="wijk:{city["noord"].pk}" selected' not in response.content.decode()


@pytest.mark.parametrize(
    "text", ["\uff12\uff10\uff12\uff15-\uff12\uff10\uff12\uff16", "202\u00b3-2024", "\u0968\u0966\u0968\u096b-2026"]
)
def test_a_school_year_in_other_digits_is_not_a_school_year(text: str) -> None:
    with pytest.raises(ValueError, match="not a school year"):
        SchoolYear.parse(text)


def test_a_school_year_in_ascii_digits_still_parses() -> None:
    assert SchoolYear.parse("2025-2026").start_year == 2025
