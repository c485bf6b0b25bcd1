"""Cross-cutting response rules: no caching of answers, and a database conflict answered as 409 instead of 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


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


def conflict_message() -> str:
    """The one Dutch answer to a write refused by a unique constraint (a double submit or a race)."""
    return _(
        "This has just been recorded already (by you or by someone else). Nothing was saved twice: "
        "reload the page to see the current state."
    )


class IntegrityConflictMiddleware:
    """A unique constraint that refuses a write (two people registering the same thing at once) answers 409
    with a Dutch message instead of a server error. The API maps the same error in rondom.config.api."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, IntegrityError):
            return None
        logger.warning("write refused by a database constraint: %s", type(exception).__name__)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": conflict_message()}, status=409)
        return render(request, "409.html", {"message": conflict_message()}, status=409)
