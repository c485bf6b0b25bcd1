"""Review of issue 16: a number too large for decimal arithmetic is "not a number", not a server error."""

from __future__ import annotations

import pytest

from rondom.cases.measures import NotANumber, parse_number, value_error


@pytest.mark.parametrize("text", ["1e999999999", "-1E+999999999", "1e-999999999"])
def test_an_exponent_beyond_decimal_arithmetic_is_not_a_number(text: str) -> None:
    with pytest.raises(NotANumber):
        parse_number(text)


def test_value_error_names_it_instead_of_raising() -> None:
    number, message = value_error({"id": "g1", "measure": "scale"}, "1e999999999")
    assert number is None and message
