"""Structured request logs without personal data.

Request logs name the route (e.g. 'registry:child-detail'), never the path with its parameters, the
query string or the body. A filter masks anything that looks like a BSN in the message, its extra fields and
any traceback, as a last line of defence.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("rondom.request")
NINE_DIGITS = re.compile(r"(?<!\d)\d{8,9}(?!\d)")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def redact(text: str) -> str:
    return NINE_DIGITS.sub("[redacted]", text)


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if NINE_DIGITS.search(message):
            record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters re-render exc_info; keep only the redacted text.
            record.exc_text, record.exc_info = redact(record.exc_text), None
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            # Django attaches the request to error records; keep only its path (no query string, no body).
            record.request = redact(str(getattr(request, "path", "")))
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str) and NINE_DIGITS.search(value):
                setattr(record, key, redact(value))
        return True


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = uuid.uuid4().hex[:16]
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        logger.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "route": match.view_name if match else "unresolved",
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        response["X-Request-ID"] = request_id
        return response
