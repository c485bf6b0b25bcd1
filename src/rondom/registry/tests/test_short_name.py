"""How a work list names a child in one line: given name, the voorvoegsel as written, the surname's initial."""

from __future__ import annotations

import pytest

from rondom.registry.models import Child


@pytest.mark.parametrize(
    ("given", "family", "expected"),
    [
        ("Daan", "Bakker", "Daan B."),
        ("Sophie", "de Vries", "Sophie de V."),  # not "Sophie d."
        ("Noor", "van der Berg", "Noor van der B."),
        ("Sem", "'t Hart", "Sem 't H."),
        ("Lotte", "Van Dijk", "Lotte V."),  # a capital "Van" is part of the surname as written
        ("Şule", "Yılmaz", "Şule Y."),
        ("Mo", "el Amrani", "Mo el A."),
        ("Ella", "de", "Ella D."),  # a single word is the surname, however it is written
    ],
)
def test_a_child_is_named_by_given_name_voorvoegsel_and_initial(given: str, family: str, expected: str) -> None:
    assert Child(given_name=given, family_name=family).short_name == expected
