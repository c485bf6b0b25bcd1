"""API error handling: Django validation errors become HTTP 400 naming field and reason; nothing leaks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rondom.registry.services import Conflict


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return Response(
                {k: [str(m) for m in v.messages] if hasattr(v, "messages") else v for k, v in exc.message_dict.items()},
                status=400,
            )
        return Response({"non_field_errors": exc.messages}, status=400)
    if isinstance(exc, Conflict):
        return Response(
            {"detail": "Iemand anders heeft dit intussen gewijzigd. Laad opnieuw en probeer het nog eens."}, status=409
        )
    return drf_exception_handler(exc, context)
