"""Two-factor authentication is required for every professional role; families confirm their login with an
e-mail code and use the portal (their own, simpler part of the site) and the API."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

OPEN_PREFIXES = ("/static/", "/health", "/accounts/", "/i18n/", "/portaal/inloggen/", "/portaal/code/")
FAMILY_VERIFIED = "rondom_family_verified"  # set by the portal's code step (rondom.portal.services.SESSION_KEY)


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
        if (
            user.is_authenticated and not request.path.startswith(OPEN_PREFIXES) and not user.is_professional  # type: ignore[union-attr]
        ):
            if not request.session.get(FAMILY_VERIFIED):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _("Confirm your login with the code from the e-mail.")}, status=403)
                return redirect("portal:code")
            if not request.path.startswith(("/portaal/", "/api/")):
                return redirect("portal:home")
        return self.get_response(request)
