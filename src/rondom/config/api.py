"""API error handling — the one place where the domain's errors (rondom.core.errors) become HTTP answers:

- ``Invalid`` / Django's ``ValidationError``: 400, ``{"field": ["reason", ...]}``; a message about no one field
  (a list-shaped error, or the key ``"__all__"``) under ``"non_field_errors"``, as DRF's serializers put it;
- ``Refused``: 403 ``{"detail": reason}``; ``LimitReached``: 429 with its reason;
- ``Conflict`` (a stale version, a plan saved in between): 409 ``{"detail", "changes", "current_version"}``;
  a unique constraint that refuses a write: 409 with a Dutch message;
- ``NotInScope`` / every 404: the same neutral Dutch "Niet gevonden." (Django's get_object_or_404 says "No Consent
  matches the given query.", naming the model in English); nothing leaks.

Every message is a Dutch text through gettext. The schema ``Error`` (rondom.config.openapi) documents the bodies.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from rondom.config.middleware import conflict_message, is_unique_violation
from rondom.config.parsers import drain, too_large
from rondom.core.errors import Conflict, Refused, field_messages

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: the answer to ``exc`` (see the module docstring); anything else goes to DRF's."""
    if isinstance(exc, RequestDataTooBig):
        # Django refused a body over DATA_UPLOAD_MAX_MEMORY_SIZE before the JSON parser saw it: the same Dutch 400
        # as the parser's, after reading the rest of the body so the client receives it (no reset connection).
        request = context.get("request")
        if request is not None:
            drain(getattr(request, "_request", request))
        exc = too_large()
    if isinstance(exc, DjangoValidationError):
        return Response(invalid_body(exc), status=400)
    if isinstance(exc, Refused):
        return Response({"detail": exc.message}, status=exc.status)
    if isinstance(exc, Conflict):
        set_rollback()
        body: dict[str, Any] = {"detail": exc.message, "changes": exc.changes}
        if exc.current_version is not None:
            body["current_version"] = exc.current_version
        return Response(body, status=409)
    if isinstance(exc, IntegrityError) and is_unique_violation(exc):
        set_rollback()
        logger.warning("API write refused by a database constraint")
        return Response({"detail": conflict_message()}, status=409)
    if isinstance(exc, Http404 | NotFound):
        # One answer for "does not exist" and "not yours to see", naming no model (the web page: 404.html).
        set_rollback()
        return Response({"detail": _("Not found.")}, status=404)
    return drf_exception_handler(exc, context)


def invalid_body(error: DjangoValidationError) -> dict[str, list[str]]:
    """The 400 body of a validation error: ``{"field": ["reason"]}``; messages about no one field under
    ``"non_field_errors"`` (DRF's ``NON_FIELD_ERRORS_KEY``)."""
    body: dict[str, list[str]] = {}
    for key, messages in field_messages(error).items():
        name = api_settings.NON_FIELD_ERRORS_KEY if key == "__all__" else key
        body.setdefault(name, []).extend(messages)
    return body
