"""API error handling: Django validation errors become HTTP 400 naming field and reason; a stale version or a
unique constraint that refuses a write becomes 409 with a Dutch message; every 404 reads the same neutral Dutch
"Niet gevonden." (Django's get_object_or_404 says "No Consent matches the given query.", naming the model in
English); nothing leaks."""

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
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from rondom.config.middleware import conflict_message, is_unique_violation
from rondom.config.parsers import drain, too_large
from rondom.versioning import Conflict

logger = logging.getLogger(__name__)

STALE_VERSION = (
    "Iemand anders heeft dit intussen gewijzigd. Er is niets van u opgeslagen: laad opnieuw en probeer het nog eens."
)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        # Django refused a body over DATA_UPLOAD_MAX_MEMORY_SIZE before the JSON parser saw it: the same Dutch 400
        # as the parser's, after reading the rest of the body so the client receives it (no reset connection).
        request = context.get("request")
        if request is not None:
            drain(getattr(request, "_request", request))
        exc = too_large()
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return Response(
                {k: [str(m) for m in v.messages] if hasattr(v, "messages") else v for k, v in exc.message_dict.items()},
                status=400,
            )
        return Response({"non_field_errors": exc.messages}, status=400)
    if isinstance(exc, Conflict):
        set_rollback()
        body: dict[str, Any] = {"detail": STALE_VERSION, "changes": exc.changes}
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
