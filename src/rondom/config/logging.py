"""Structured request logs without personal data.

Request logs name the route (e.g. 'registry:child-detail'), never the path with its parameters, the
query string or the body; so do Django's own request and security logs (a refused Host header, a missing CSRF
cookie, a body too large), which are client faults logged as one WARNING without traceback. A filter masks
anything that looks like a BSN in the message, its extra fields and any traceback, as a last line of defence.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import resolve

logger = logging.getLogger("rondom.request")
NINE_DIGITS = re.compile(r"(?<!\d)\d{8,9}(?!\d)")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
#: Extra fields that are never personal data and must stay intact: the request id (random hex) correlates lines.
_NEVER_REDACTED = {"request_id"}
#: Django's loggers that attach the request (and put its path in the message): answered per route here.
_DJANGO_REQUEST_LOGGERS = ("django.security", "django.request")
#: A URL's path (after scheme and host) and a bare path, in a message Django wrote (e.g. a CSRF Referer).
_URL_PATH = re.compile(r"(https?://[^/\s'\"]+)/[^\s'\"]*")
_BARE_PATH = re.compile(r"(?<![\w:/\[])/[^\s'\"]*")


def redact(text: str) -> str:
    return NINE_DIGITS.sub("[redacted]", text)


def route_name(request: object) -> str:
    """The route of a request (e.g. 'registry:child-detail'), never its path: the resolved view's name, else the
    path resolved now (a request refused before the view, e.g. for its Host header), else 'unresolved'."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return str(match.view_name)
    try:
        return str(resolve(str(getattr(request, "path_info", ""))).view_name)
    except Http404:
        return "unresolved"


def _without_paths(message: str, request: object, route: str) -> str:
    for path in (_full_path(request), str(getattr(request, "path", "") or "")):
        if path and path != "/":
            message = message.replace(path, route)
    return _BARE_PATH.sub("[path]", _URL_PATH.sub(r"\1/[path]", message))


def _full_path(request: object) -> str:
    full_path = getattr(request, "get_full_path", None)
    return str(full_path()) if callable(full_path) else ""


class RedactPersonalDataFilter(logging.Filter):
    """The last line of defence before a log line is written (docs/security.md, "Logging").

    - Django's own request loggers (``django.security.*``, ``django.request``) get the route name in a ``route``
      field instead of the request; its path and query string are removed from the message. A client fault
      (every ``django.security.*`` record, and a ``django.request`` record below status 500) becomes one WARNING
      without traceback; a server error keeps ERROR and its (redacted) traceback.
    - Anything that looks like a BSN (8–9 digits) is masked in the message, the traceback and text extra fields,
      except the fields in _NEVER_REDACTED (the random request id).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            if record.name.startswith(_DJANGO_REQUEST_LOGGERS):
                route = route_name(request)
                record.msg, record.args = _without_paths(record.getMessage(), request, route), ()
                record.route = route
            delattr(record, "request")
        status = getattr(record, "status_code", None)
        if record.name.startswith("django.security") or (
            record.name.startswith("django.request") and isinstance(status, int) and status < 500
        ):
            # The client's fault: nothing to debug on our side, so no ERROR and no traceback.
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
            record.exc_info = record.exc_text = record.stack_info = None
        message = record.getMessage()
        if NINE_DIGITS.search(message):
            record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters re-render exc_info; keep only the redacted text.
            record.exc_text, record.exc_info = redact(record.exc_text), None
        for key, value in list(record.__dict__.items()):
            if (
                key not in _STANDARD
                and key not in _NEVER_REDACTED
                and isinstance(value, str)
                and NINE_DIGITS.search(value)
            ):
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
                # A machine client's call names the client (its id, no personal data): rondom.apiclients.
                "api_client": getattr(request, "api_client_id", ""),
            },
        )
        response["X-Request-ID"] = request_id
        return response
