"""A domain refusal on the page: one way for every view to put a service's ``ValidationError`` on its form.

This is the web forms' half of the mapping of the domain errors (rondom.core.errors; the API's half is
rondom.config.api): ``add_refusal(form, error)`` puts each message on the field its key names and messages of
unknown keys (or of no key, ``"__all__"``) on the form as a whole. Every view uses it; no view reads an error's
shape itself.

Services refuse with ``django.core.exceptions.ValidationError`` in three shapes: a dict (``{"field": [...]}``,
``error_dict``), a list, or a single message (``error_list``; ``message_dict`` then raises ``AttributeError``).
A view that read ``exc.message_dict`` or ``exc.error_dict`` directly answered 500 for the other shapes (issue 11
point 10: the gemeente escalating a thuiszitter at the top rung). These helpers accept every shape."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from rondom.core.errors import DomainError


def refusal_messages(error: ValidationError | DomainError) -> dict[str | None, list[str]]:
    """The refusal's messages per field name; ``None`` holds those that name no field.

    Shape: ``{"reason": ["Say why ..."], None: ["This is the highest level ..."]}`` (messages already formatted
    with their params, as ``ValidationError.messages`` gives them). ``error`` is a ``ValidationError`` (also
    ``Invalid``) of any shape, or another domain error of rondom.core.errors (``Refused``, ``Conflict``,
    ``NotInScope``: its one message names no field). Never raises for any shape of ``error``."""
    found: dict[str | None, list[str]] = {}
    if not isinstance(error, ValidationError):
        return {None: [str(getattr(error, "message", "") or error)]}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            key = None if name == NON_FIELD_ERRORS else name
            found.setdefault(key, []).extend(ValidationError(errors).messages)
    else:
        found[None] = list(error.messages)
    return found


def add_refusal(
    form: forms.Form, error: ValidationError | DomainError, fields: Mapping[str, str | list[str]] | None = None
) -> None:
    """Put a service's refusal on ``form``: each message on the field it names when the form has that field,
    otherwise on the form as a whole (non-field errors). ``fields`` maps a service's field name onto the form's
    field name(s) where they differ (e.g. ``{"shrink": "shrink_percent"}``, or one name onto several fields).

    The form becomes invalid and shows every message; nothing raises, whatever the shape of ``error``."""
    for name, messages in refusal_messages(error).items():
        targets = (fields or {}).get(name, name) if name is not None else None
        names = [targets] if isinstance(targets, str) or targets is None else list(targets)
        for target in names:
            form.add_error(target if target in form.fields else None, messages)


def refusal_text(error: ValidationError | DomainError) -> str:
    """All messages of a refusal as one sentence string, for a flash message on a page without a form."""
    return " ".join(message for messages in refusal_messages(error).values() for message in messages)


def refusal_codes(error: ValidationError) -> set[str]:
    """The codes of all messages of a refusal, whatever its shape (e.g. ``{"already_registered"}``), so that a view
    can choose an answer's status (409 for a conflict) without reading the error's shape itself."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors if e.code}
    return {e.code for e in error.error_list if e.code}
