"""The domain's errors: one set for every service, mapped once for the API and once for web forms.

A service says *why* it does not do what it was asked with one of these; it never builds an HTTP answer itself.

=================  ======  ==========================================================================================
error              status  meaning
=================  ======  ==========================================================================================
``Invalid``        400     the input breaks a rule; carries field keys -> Dutch messages (Django's ``ValidationError``
                           with ``error_dict``; a message for no field sits under ``"__all__"``)
``Refused``        403     the actor may not do this; carries one Dutch reason
``LimitReached``   429     a ``Refused`` because a limit is reached (signals per day, emergency button, codes)
``NotInScope``     404     the record is not there, or not in the actor's scope: the two read alike
``Conflict``       409     someone else changed the record since it was read (a stale version) or recorded the same
                           at the same moment; nothing was written
=================  ======  ==========================================================================================

Each is also the Django exception that already meant the same, so code that catches the Django one keeps working
and an uncaught error still gets Django's answer on a web page: ``Invalid`` is a ``ValidationError``, ``Refused``
a ``PermissionDenied`` and ``NotInScope`` an ``Http404``. Services may keep raising a plain ``ValidationError`` or
``PermissionDenied``: the mappings read those too.

The mappings (the only places that turn these into answers):

- API: ``rondom.config.api.exception_handler`` (DRF ``EXCEPTION_HANDLER``): the status above and a JSON body,
  ``{"detail": reason}`` or ``{"field": [messages], "non_field_errors": [messages]}``; a ``Conflict`` adds
  ``current_version`` and ``changes``. The schema ``Error`` (rondom.config.openapi) documents these bodies.
- Web forms: ``rondom.refusals.add_refusal(form, error)`` puts each message on the form field its key names, and
  messages of unknown keys (or of no key) on the form as a whole; ``refusal_text`` for a page without a form.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _


class DomainError(Exception):
    """Base of the domain's errors; ``status`` is the HTTP status both mappings answer with. Every error but
    ``Invalid`` has ``message``: one Dutch sentence (an API ``detail``, a flash message, a non-field error)."""

    status: int = 400


class Refused(DomainError, PermissionDenied):
    """The actor may not do this. ``Refused(_("Only ... may ..."))``: the reason is shown to the actor (API
    ``{"detail": reason}`` with 403; web: a non-field error on the form, or Django's 403 page when not caught)."""

    status = 403

    def __init__(self, reason: Any = None) -> None:
        reason = reason if reason is not None else _("You may not do this.")
        super().__init__(reason)
        #: The Dutch reason, shown to the actor.
        self.message = str(reason)


class LimitReached(Refused):
    """A refusal because the actor reached a limit (a number per day or per hour): HTTP 429 in the API."""

    status = 429


class NotInScope(DomainError, Http404):
    """Not there, or outside what the actor may see: both answer the same neutral 404 (the API says "Niet
    gevonden.", naming no model)."""

    status = 404

    def __init__(self, message: Any = None) -> None:
        message = message if message is not None else _("Not found.")
        super().__init__(message)
        self.message = str(message)


class Conflict(DomainError):
    """Someone else changed the record since it was read, or recorded the same thing at the same moment: nothing
    was written (HTTP 409).

    ``current_version`` is the stored version now (None when unknown or the record is gone); ``changes`` names
    the fields (``[{"field": name}]``) or goals whose stored value differs from what the writer sent, so the
    writer can see what to look at before trying again. ``message`` defaults to the general Dutch sentence.
    """

    status = 409

    def __init__(
        self, current_version: int | None = None, changes: list[dict[str, Any]] | None = None, message: Any = None
    ) -> None:
        message = message if message is not None else stale_version_message()
        super().__init__(message)
        self.message = str(message)
        self.current_version = current_version
        self.changes: list[dict[str, Any]] = list(changes or [])


class Invalid(ValidationError, DomainError):
    """The input breaks a rule of the domain. Built like Django's ``ValidationError``: ``Invalid({"field":
    _("reason")})`` names fields (``"__all__"`` for a message about no one field), ``Invalid(_("reason"))`` names
    none. Being a ``ValidationError``, every ``except ValidationError`` catches it too."""

    status = 400


def stale_version_message() -> str:
    """The one Dutch answer to a write on a version that is no longer the stored one."""
    return _("Someone else changed this in the meantime. Nothing of yours was saved: reload and try again.")


def field_messages(error: ValidationError) -> dict[str, list[str]]:
    """A ``ValidationError`` (or ``Invalid``) of any shape as ``{field key: [messages]}``; messages about no one
    field sit under ``"__all__"`` (Django's ``NON_FIELD_ERRORS``). Messages are formatted with their params."""
    if hasattr(error, "error_dict"):
        return {key: [str(m) for m in ValidationError(errors).messages] for key, errors in error.error_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}
