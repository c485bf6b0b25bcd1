from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_lazy
from oauth2_provider.models import AccessToken
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from rondom.access import tasks


def is_verified(user: Any) -> bool:
    """Logged in, and for professionals: verified with a second factor in this session."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_professional:
        return bool(getattr(user, "is_verified", lambda: False)())
    return True


def client_token(request: Request) -> AccessToken | None:
    """The machine client's access token the request was authenticated with
    (rondom.apiclients.authentication), or None for a browser session. Raises nothing."""
    token = getattr(request, "auth", None)
    return token if isinstance(token, AccessToken) else None


def required_scopes(view: Any, request: Request) -> list[str]:
    """The scopes a view requires of a machine client (django-oauth-toolkit's ``required_scopes`` convention): a
    list, or a dict of HTTP method (upper case) -> list for views whose methods differ. [] when none is declared.
    Raises nothing."""
    declared = getattr(view, "required_scopes", None) or []
    if isinstance(declared, dict):
        declared = declared.get((request.method or "GET").upper(), [])
    return list(declared)


class IsVerifiedUser(BasePermission):
    """The API's default permission. A browser session: logged in, professionals with a second factor
    (``required_scopes`` plays no part). A machine client's token (OAuth2 client credentials, issue 15): the view
    must declare ``required_scopes`` (deny by default: a view that declares none is not open to clients) and the
    token must hold every one of them (403 with the missing scope otherwise). A client has no TOTP: its proof is
    the token of a confidential client."""

    message = gettext_lazy("Log in (with two-factor authentication for professionals).")

    def has_permission(self, request: Request, view: Any) -> bool:
        token = client_token(request)
        if token is None:
            return is_verified(request.user)
        needed = required_scopes(view, request)
        if not needed:
            self.message = gettext("This part of the API is not open to API clients.")  # type: ignore[assignment]
            return False
        if not token.is_valid(needed):
            missing = ", ".join(s for s in needed if not token.allow_scopes([s]))
            self.message = gettext("This API client lacks the scope needed here: %(scopes)s.") % {  # type: ignore[assignment]
                "scopes": missing
            }
            return False
        return bool(request.user and request.user.is_active)


class IsFunctionalAdmin(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return is_verified(user) and tasks.may(user, "open_administration")  # type: ignore[arg-type]
