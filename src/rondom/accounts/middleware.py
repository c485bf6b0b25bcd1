"""Two-factor authentication is required for every professional role."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

OPEN_PREFIXES = ("/static/", "/health", "/accounts/", "/i18n/")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and user.is_professional  # type: ignore[union-attr]
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Two-factor authentication is required.")}, status=403)
            return redirect("accounts:otp")
        return self.get_response(request)
