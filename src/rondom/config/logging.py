"""Structured request logs without personal data.

Request logs name the route (e.g. 'registry:child-detail'), never the path with its parameters, the
query string or the body. A filter masks anything that looks like a BSN in any log record as a last
line of defence.
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


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if NINE_DIGITS.search(message):
            record.msg = NINE_DIGITS.sub("[redacted]", message)
            record.args = ()
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
