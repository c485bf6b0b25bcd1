"""Cross-cutting response rules: no caching of answers, and a database conflict answered as 409 instead of 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views import defaults

from rondom.core.errors import Refused

logger = logging.getLogger(__name__)


#: Session key: when the idle expiry was last renewed (POSIX seconds, an int).
SESSION_RENEWED_KEY = "_rondom_renewed"


class SessionRenewalMiddleware:
    """Renew a logged-in session's idle expiry at most once per `RONDOM_SESSION_RENEW_SECONDS` (default 60),
    instead of writing the session on every request (``SESSION_SAVE_EVERY_REQUEST``, one UPDATE per page).

    Docs/security.md, "session expiry": a session ends after `SESSION_COOKIE_AGE` seconds (30 minutes) without a
    request. The expiry is set whenever the session is saved; this middleware marks the session changed (so
    Django's SessionMiddleware saves it, with a new expiry) when the last renewal is at least the window ago, and
    otherwise leaves it alone. So a session now ends between AGE - window and AGE seconds after the last request:
    never later than before, at most the window earlier. An empty session (no one logged in) is never created
    or written here. Goes right after SessionMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.window = int(getattr(settings, "SESSION_RENEW_SECONDS", 60))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.modified and not session.is_empty():
            now = int(timezone.now().timestamp())
            if now - int(session.get(SESSION_RENEWED_KEY, 0)) >= self.window:
                session[SESSION_RENEWED_KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        elif session is not None and session.modified and not session.is_empty():
            session[SESSION_RENEWED_KEY] = int(timezone.now().timestamp())  # saved anyway: renewed now
        return response


class NoStoreMiddleware:
    """Every page and API answer the application itself produces carries ``Cache-Control: no-store, private``.

    Pages and API answers carry a child's data; no browser, proxy or back button may keep a copy (AVG art. 32,
    NEN 7510 12.3). Static files are served before this middleware (WhiteNoise) and stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            if "Cache-Control" in response:
                del response["Cache-Control"]
            patch_cache_control(response, no_store=True, private=True)
            response.setdefault("Pragma", "no-cache")
        return response


class ApiErrorBodyMiddleware:
    """An API error answer always has a JSON body (``{"detail": …}``), as the schema documents (schema Error):
    a view that answers e.g. ``Response(status=404)`` without a body still gives JSON with the Dutch reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not getattr(response, "streaming", False)
            and not response.content
        ):
            messages = {404: _("Not found."), 403: _("You may not do this."), 400: _("The request is not right.")}
            reason = messages.get(response.status_code, str(response.reason_phrase))
            replacement = JsonResponse({"detail": reason}, status=response.status_code)
            for header, value in response.items():
                if header.lower() not in ("content-type", "content-length"):
                    replacement[header] = value
            return replacement
        return response


def conflict_message() -> str:
    """The one Dutch answer to a write refused by a unique constraint (a double submit or a race)."""
    return _(
        "This has just been recorded already (by you or by someone else). Nothing was saved twice: "
        "reload the page to see the current state."
    )


def is_unique_violation(exception: BaseException) -> bool:
    """Whether an IntegrityError is a unique constraint refusing a second row (a race or a double submit), as
    opposed to a NOT NULL, foreign-key or check violation, which is a programming error and stays a 500.
    PostgreSQL: SQLSTATE 23505 (psycopg's ``UniqueViolation``); SQLite: "UNIQUE constraint failed"."""
    cause = exception.__cause__
    if getattr(cause, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(exception)


class IntegrityConflictMiddleware:
    """A unique constraint that refuses a write (two people registering the same thing at once) answers 409
    with a Dutch message instead of a server error. The API maps the same error in rondom.config.api."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, IntegrityError) or not is_unique_violation(exception):
            return None
        logger.warning("write refused by a database constraint: %s", type(exception).__name__)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": conflict_message()}, status=409)
        return render(request, "409.html", {"message": conflict_message()}, status=409)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for a URL no route matches: JSON under /api/ (the schema documents JSON answers), the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 raised outside a view's own handling (e.g. a suspicious request): JSON under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("The request is not right.")}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403 for a refusal no view caught: a ``Refused`` (rondom.core.errors) shows its Dutch reason, which is meant for
    the actor; any other PermissionDenied shows the general sentence (its text may be a code word). JSON under
    /api/ (DRF answers its own views; this covers the rest)."""
    message = exception.message if isinstance(exception, Refused) else None
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message or _("You may not do this.")}, status=403)
    if message:
        return render(request, "403.html", {"message": message}, status=403)
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under /api/, the page elsewhere; neither shows any detail."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Something went wrong on our side.")}, status=500)
    return defaults.server_error(request)
