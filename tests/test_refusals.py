"""A domain refusal always lands on the form: whatever shape a service's ValidationError has (a dict naming fields,
a list, one message, a field the form does not have), and no view reads the shape-specific attributes itself."""

from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError

from rondom.refusals import add_refusal, refusal_messages, refusal_text

SRC = Path(__file__).resolve().parent.parent / "src" / "rondom"


class _Form(forms.Form):
    reason = forms.CharField()
    weight_a = forms.IntegerField(required=False)
    weight_b = forms.IntegerField(required=False)


def _bound() -> _Form:
    form = _Form({"reason": "x"})
    assert form.is_valid()
    return form


def test_a_single_message_refusal_becomes_a_non_field_error() -> None:
    form = _bound()
    add_refusal(form, ValidationError("This is the highest level of the ladder."))
    assert form.non_field_errors() == ["This is the highest level of the ladder."]
    assert not form.is_valid()


def test_a_list_refusal_keeps_every_message() -> None:
    form = _bound()
    add_refusal(form, ValidationError(["One.", ValidationError("Two %(n)s.", params={"n": 2})]))
    assert form.non_field_errors() == ["One.", "Two 2."]


def test_a_dict_refusal_lands_on_the_named_field_and_unknown_names_on_the_form() -> None:
    form = _bound()
    add_refusal(form, ValidationError({"reason": "Say why.", "min_cell": "At least 1.", "__all__": "Already."}))
    assert form.errors["reason"] == ["Say why."]
    assert sorted(form.non_field_errors()) == ["Already.", "At least 1."]


def test_a_service_field_can_be_mapped_onto_several_form_fields() -> None:
    form = _bound()
    add_refusal(form, ValidationError({"weights": "Add up to 100."}), {"weights": ["weight_a", "weight_b"]})
    assert form.errors["weight_a"] == form.errors["weight_b"] == ["Add up to 100."]


def test_refusal_text_and_messages_accept_every_shape() -> None:
    assert refusal_text(ValidationError("A.")) == "A."
    assert refusal_text(ValidationError({"x": ["B.", "C."]})) == "B. C."
    assert refusal_messages(ValidationError({"__all__": "D."})) == {None: ["D."]}


def test_no_view_reads_the_shape_of_a_validation_error_itself() -> None:
    """``message_dict``/``error_dict`` exist only on a dict-shaped error: a view reading them answers 500 on the
    other shapes. Views use rondom.refusals instead."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or path.name == "refusals.py" or "migrations" in path.parts:
            continue
        if not (path.name in {"views.py", "pages.py"} or path.name.endswith("_views.py")):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\b(message_dict|error_dict)\b", line):
                offenders.append(f"{path.relative_to(SRC)}:{number}")
    assert offenders == []
