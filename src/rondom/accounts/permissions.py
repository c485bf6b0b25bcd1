from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
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


class IsVerifiedUser(BasePermission):
    message = gettext_lazy("Log in (with two-factor authentication for professionals).")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_verified(request.user)


class IsFunctionalAdmin(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return is_verified(user) and tasks.may(user, "open_administration")  # type: ignore[arg-type]
