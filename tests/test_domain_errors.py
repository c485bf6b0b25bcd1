"""One set of domain errors (rondom.core.errors), mapped once for the API (rondom.config.api) and once for web forms
(rondom.refusals.add_refusal); the services' own exceptions are those errors; API messages go through gettext
(issue 13, point 5)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from rondom.config.api import exception_handler
from rondom.core.errors import Conflict, Invalid, LimitReached, NotInScope, Refused
from rondom.refusals import add_refusal, refusal_text

SRC = Path(__file__).resolve().parent.parent / "src" / "rondom"


def _answer(exc: Exception) -> tuple[int, object]:
    response = exception_handler(exc, {})
    assert response is not None
    return response.status_code, response.data


# --- The API's mapping --------------------------------------------------------------------------------------


def test_invalid_answers_400_with_its_field_keys_and_non_field_messages_under_non_field_errors() -> None:
    status, body = _answer(Invalid({"until": "Kies een datum na vandaag.", "__all__": "Dit kan niet."}))
    assert status == 400
    assert body == {"until": ["Kies een datum na vandaag."], "non_field_errors": ["Dit kan niet."]}


def test_a_plain_validation_error_of_every_shape_answers_like_invalid() -> None:
    assert _answer(ValidationError({"reason": ["Schrijf op waarom."]})) == (400, {"reason": ["Schrijf op waarom."]})
    assert _answer(ValidationError(["Een.", "Twee."])) == (400, {"non_field_errors": ["Een.", "Twee."]})
    assert _answer(ValidationError("Eén.")) == (400, {"non_field_errors": ["Eén."]})


def test_refused_answers_403_with_its_reason_and_a_reached_limit_429() -> None:
    assert _answer(Refused("Alleen de school mag dit.")) == (403, {"detail": "Alleen de school mag dit."})
    assert _answer(LimitReached("Genoeg voor vandaag.")) == (429, {"detail": "Genoeg voor vandaag."})


def test_conflict_answers_409_with_the_current_version_and_the_changes() -> None:
    status, body = _answer(Conflict(7, [{"field": "text"}]))
    assert status == 409
    assert body["current_version"] == 7  # type: ignore[index]
    assert body["changes"] == [{"field": "text"}]  # type: ignore[index]
    assert body["detail"]  # type: ignore[index]
    assert "current_version" not in _answer(Conflict())[1]  # type: ignore[operator]


def test_not_in_scope_answers_the_neutral_404() -> None:
    with translation.override("nl"):
        assert _answer(NotInScope("Kind 12 hoort bij een andere school")) == (404, {"detail": "Niet gevonden."})


def test_the_api_messages_of_the_errors_are_translated() -> None:
    with translation.override("nl"):
        dutch = _answer(Conflict())[1]
    with translation.override("en"):
        english = _answer(Conflict())[1]
    assert dutch["detail"].startswith("Iemand anders heeft dit intussen gewijzigd")  # type: ignore[index]
    assert english["detail"].startswith("Someone else changed this")  # type: ignore[index]


# --- The errors are the Django exceptions that meant the same -----------------------------------------------


def test_each_domain_error_is_the_django_exception_it_replaces() -> None:
    assert isinstance(Invalid("x"), ValidationError)
    assert isinstance(Refused("x"), PermissionDenied)
    assert isinstance(NotInScope(), Http404)
    assert LimitReached("x").status == 429 and isinstance(LimitReached("x"), Refused)


def test_the_services_own_exceptions_are_domain_errors() -> None:
    from rondom import versioning
    from rondom.access.emergency import EmergencyLimitReached
    from rondom.cases.services import PlanConflict, TooManySignals
    from rondom.portal.services import TooManyCodes

    assert versioning.Conflict is Conflict
    assert issubclass(PlanConflict, Conflict)
    for limit in (TooManySignals, EmergencyLimitReached, TooManyCodes):
        assert issubclass(limit, LimitReached)
    plan = PlanConflict(4, [{"change": "added", "description": "Lezen", "fields": []}])
    assert _answer(plan)[0] == 409 and _answer(plan)[1]["current_version"] == 4  # type: ignore[index]


# --- The web forms' mapping ---------------------------------------------------------------------------------


class _Form(forms.Form):
    reason = forms.CharField()


def _bound() -> _Form:
    form = _Form({"reason": "x"})
    assert form.is_valid()
    return form


def test_invalid_lands_on_the_field_its_key_names_and_unknown_keys_on_the_form() -> None:
    form = _bound()
    add_refusal(form, Invalid({"reason": "Te kort.", "shrink": "Te veel.", "__all__": "Al gedaan."}))
    assert form.errors["reason"] == ["Te kort."]
    assert sorted(form.non_field_errors()) == ["Al gedaan.", "Te veel."]


@pytest.mark.parametrize("error", [Refused("Mag niet."), LimitReached("Mag niet."), Conflict(2, message="Mag niet.")])
def test_refused_and_conflict_land_on_the_form_as_a_whole(error: Exception) -> None:
    form = _bound()
    add_refusal(form, error)  # type: ignore[arg-type]
    assert form.non_field_errors() == ["Mag niet."]
    assert refusal_text(error) == "Mag niet."  # type: ignore[arg-type]


def test_no_view_keeps_its_own_copy_of_the_form_mapping() -> None:
    copies = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts and "def _form_errors" in path.read_text()
    ]
    assert copies == []


# --- API messages through gettext ---------------------------------------------------------------------------

_NOT_MESSAGES = {"code", "status", "headers", "content_type", "params", "exception"}
_MESSAGE_CALLS = {"Response", "ValidationError", "Refused", "LimitReached", "PermissionDenied", "NotFound", "Invalid"}


def _literal_texts(node: ast.AST) -> list[str]:
    """String constants in a message position: the value itself, a dict's values, a list's items (not dict keys,
    which are field names)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Dict):
        return [text for value in node.values if value is not None for text in _literal_texts(value)]
    if isinstance(node, ast.List | ast.Tuple):
        return [text for item in node.elts for text in _literal_texts(item)]
    return []


def _api_modules() -> list[Path]:
    return sorted([*SRC.glob("*/api.py"), *SRC.glob("config/*.py"), SRC / "accounts" / "permissions.py"])


def test_api_messages_go_through_gettext() -> None:
    """No answer body, refusal or validation message in the API modules is a bare literal: each is a gettext
    call (so it has a Dutch translation in the .po and follows the request's language)."""
    offenders = []
    for path in _api_modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            texts: list[str] = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in _MESSAGE_CALLS:
                    args = [*node.args, *(k.value for k in node.keywords if k.arg not in _NOT_MESSAGES)]
                    texts = [t for arg in args for t in _literal_texts(arg)]
            elif isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) in {"default_error_messages", "message"} for t in node.targets
            ):
                texts = _literal_texts(node.value)
            offenders += [f"{path.relative_to(SRC)}:{node.lineno}: {t!r}" for t in texts]  # type: ignore[attr-defined]
    assert offenders == []


def test_the_api_names_a_referenced_record_in_the_request_language() -> None:
    from rondom.registry.api import UnknownAwareRelatedField

    field = UnknownAwareRelatedField("organisatie", queryset=None, read_only=True)
    with translation.override("nl"), pytest.raises(Exception) as dutch:
        field.fail("does_not_exist", pk_value=99)
    with translation.override("en"), pytest.raises(Exception) as english:
        field.fail("does_not_exist", pk_value=99)
    assert "Onbekend: er bestaat geen organisatie met nummer 99." in str(dutch.value.detail)  # type: ignore[attr-defined]
    assert "there is no organisation with number 99" in str(english.value.detail)  # type: ignore[attr-defined]


# --- Services say what they raise ---------------------------------------------------------------------------

DOCUMENTED_SERVICES = ["cases/services.py", "consent/services.py", "attendance/services.py", "thuiszitters/services.py"]


@pytest.mark.parametrize("module", DOCUMENTED_SERVICES)
def test_every_public_service_says_what_it_raises(module: str) -> None:
    """Each public function's docstring says what it raises (and with which field keys), or that it raises
    nothing: a caller maps the errors without reading the body."""
    tree = ast.parse((SRC / module).read_text())
    silent = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")
        and "raise" not in (ast.get_docstring(node) or "").lower()
    ]
    assert silent == []
