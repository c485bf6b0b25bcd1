"""Logging in to the portal with DigiD, through the municipality's OpenID Connect broker (pluggable).

The demo logs families in with a password and an e-mail code. A municipality that runs an OIDC broker for DigiD
(e.g. Signicat, or its own Keycloak with the DigiD connector) sets the RONDOM_OIDC_* variables (docs/portal.md);
the portal then offers "Inloggen met DigiD". The broker's ID token must carry the BSN (claim name configurable).
The BSN is never stored: it is looked up through its keyed hash (blind index) — a youth's own record
(Child.bsn_index, 12 or older) or a parent's account (User.bsn_index). Nobody is created on the fly: families
get their account from the school; a BSN without an account is refused kindly.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from rondom.access.guard import serves_no_child_data
from rondom.accounts.models import User
from rondom.registry.bsn import blind_index, is_valid_bsn
from rondom.registry.models import Child

from . import services


def enabled() -> bool:
    return bool(getattr(settings, "RONDOM_OIDC_ENABLED", False))


class FamilyOIDCBackend(OIDCAuthenticationBackend):
    """Find the family account that belongs to the BSN in the broker's claims; never create one."""

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return is_valid_bsn(str(claims.get(settings.RONDOM_OIDC_BSN_CLAIM, "")))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        index = blind_index(str(claims.get(settings.RONDOM_OIDC_BSN_CLAIM, "")))
        own_record = Child.objects.filter(bsn_index=index).exclude(youth_account=None).values("youth_account_id")
        return User.objects.filter(is_active=True).filter(bsn_index=index) | User.objects.filter(
            is_active=True, pk__in=own_record
        )

    def create_user(self, claims: dict[str, Any]) -> None:  # type: ignore[override]
        return None  # accounts come from the school, never from a login


class DigiDCallbackView(OIDCAuthenticationCallbackView):
    """Back from the broker: the same kind refusals as the password login; DigiD counts as the second step."""

    def login_failure(self) -> HttpResponse:
        messages.error(
            self.request,
            _("Logging in with DigiD did not work, or we do not know you yet. Ask the school to register you."),
        )
        return redirect("portal:login")

    def login_success(self) -> HttpResponse:
        reason = services.refusal(self.user)
        if reason:
            messages.error(self.request, reason)
            return redirect("portal:login")
        super().login_success()
        self.request.session[services.SESSION_KEY] = True
        return redirect("portal:home")


@serves_no_child_data
def digid_login(request: HttpRequest) -> HttpResponse:
    """Start: off to the broker (DigiD). The route exists only when a broker is configured."""
    if not enabled():
        raise Http404
    return OIDCAuthenticationRequestView.as_view()(request)


@serves_no_child_data
def digid_callback(request: HttpRequest) -> HttpResponse:
    if not enabled():
        raise Http404
    return DigiDCallbackView.as_view()(request)
