"""Logging in to the portal with DigiD, through the municipality's OpenID Connect broker (pluggable).

The demo logs families in with a password and an e-mail code. A municipality that runs an OIDC broker for DigiD
(e.g. Signicat, or its own Keycloak with the DigiD connector) sets the RONDOM_OIDC_* variables (docs/portal.md);
the portal then offers "Inloggen met DigiD". The broker's ID token must carry the BSN (claim name configurable).
The BSN is never stored: it is looked up through its keyed hash (blind index) — a youth's own record
(Child.bsn_index, 12 or older) or a parent's account (User.bsn_index). Nobody is created on the fly: families
get their account from the school; a BSN without an account is refused kindly.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView
from requests import RequestException

from rondom.access.guard import serves_no_child_data
from rondom.accounts.models import User
from rondom.registry.bsn import blind_index, is_valid_bsn
from rondom.registry.models import Child

from . import services

LOGGER = logging.getLogger(__name__)

CLAIM_SOURCES = ("id_token", "userinfo", "both")
# DigiD's levels of assurance, lowest first, and the `acr` values the brokers send for them (the SAML
# AuthnContextClassRef of Logius' DigiD interface; brokers such as Signicat and Keycloak's DigiD connector pass it
# on as `acr`). The plain level names are accepted too.
LOA_LEVELS = ("basis", "midden", "substantieel", "hoog")
ACR_TO_LOA = {
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport": "basis",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract": "midden",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard": "substantieel",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI": "hoog",
    **{level: level for level in LOA_LEVELS},
}
# Why a DigiD login was refused, kept on the request for the callback view (a key, never a claim value).
REFUSAL_ATTR = "_rondom_digid_refusal"


def enabled() -> bool:
    return bool(getattr(settings, "RONDOM_OIDC_ENABLED", False))


class DigiDRefused(Exception):
    """A login the broker vouched for but Rondom may not accept; `reason` is a key of `refusal_message`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def refusal_message(reason: str) -> str:
    """The plain (Dutch-first) words for a refusal key; never names a claim's value."""
    return {
        "no_bsn": _("DigiD did not give us your citizen service number (BSN). Logging in did not work."),
        "low_loa": _(
            "You logged in with DigiD at a level that is too low for this portal. Log in again with the "
            "DigiD app or with SMS verification."
        ),
        "no_loa": _("DigiD did not tell us how you logged in. Logging in did not work. Please try again."),
        "token": _("We could not check the answer from DigiD. Logging in did not work. Please try again."),
        "conflict": _("DigiD gave us two different answers. Logging in did not work. Please try again."),
        "broker": _("DigiD could not be reached. Please try again later."),
    }.get(reason, _("Logging in with DigiD did not work, or we do not know you yet. Ask the school to register you."))


def loa_rank(value: object) -> int:
    """The rank (0 basis … 3 hoog) of an `acr` value, or -1 when it is not a known DigiD level."""
    level = ACR_TO_LOA.get(str(value)) if isinstance(value, str) else None
    return LOA_LEVELS.index(level) if level else -1


def merge_claims(source: str, id_token: dict[str, Any], userinfo: dict[str, Any] | None) -> dict[str, Any]:
    """The claims Rondom reads, from where RONDOM_OIDC_CLAIM_SOURCE says.

    `id_token`: only the verified ID token's claims; `userinfo`: only the userinfo response; `both`: the ID token's
    claims completed by userinfo. Userinfo is used only when its `sub` equals the ID token's `sub` (OpenID Connect
    Core 1.0, section 5.3.2); a claim present in both with different values raises DigiDRefused("conflict").
    """
    if source not in CLAIM_SOURCES:
        raise ImproperlyConfigured(f"RONDOM_OIDC_CLAIM_SOURCE must be one of {', '.join(CLAIM_SOURCES)}.")
    if source == "id_token":
        return dict(id_token)
    if userinfo is None or userinfo.get("sub") != id_token.get("sub"):
        raise DigiDRefused("conflict")
    if source == "userinfo":
        return dict(userinfo)
    merged = dict(id_token)
    for name, value in userinfo.items():
        if name in merged and merged[name] != value:
            raise DigiDRefused("conflict")
        merged[name] = value
    return merged


def check_claims(claims: dict[str, Any]) -> str:
    """The BSN from the claims after checking the level of assurance; raises DigiDRefused with the reason.

    The BSN must be nine ASCII digits passing the elfproef (registry.bsn); the level in RONDOM_OIDC_LOA_CLAIM must
    be at least RONDOM_OIDC_MIN_LOA (DigiD basis < midden < substantieel < hoog) when the broker sends it (an unknown
    value counts as too low); a login without a level is refused only with RONDOM_OIDC_LOA_REQUIRED; an empty
    minimum skips the check.
    """
    bsn = claims.get(settings.RONDOM_OIDC_BSN_CLAIM)
    if not isinstance(bsn, str) or not is_valid_bsn(bsn):
        raise DigiDRefused("no_bsn")
    minimum = settings.RONDOM_OIDC_MIN_LOA
    if minimum:
        if minimum not in LOA_LEVELS:
            raise ImproperlyConfigured(f"RONDOM_OIDC_MIN_LOA must be one of {', '.join(LOA_LEVELS)}.")
        acr = claims.get(settings.RONDOM_OIDC_LOA_CLAIM)
        if acr in (None, ""):
            if settings.RONDOM_OIDC_LOA_REQUIRED:
                raise DigiDRefused("no_loa")
        elif loa_rank(acr) < LOA_LEVELS.index(minimum):
            raise DigiDRefused("low_loa")
    return bsn


class FamilyOIDCBackend(OIDCAuthenticationBackend):
    """Find the family account that belongs to the BSN in the broker's claims; never create one.

    Stricter than the library's defaults: the ID token's signature (RS256, key from the broker's JWKS), `iss`,
    `aud` (and `azp` with several audiences), `exp`, `iat` and `nonce` are all verified; claims are read from where
    RONDOM_OIDC_CLAIM_SOURCE says; a refusal is kept on the request for a specific message. Nothing personal is
    logged (no BSN, no tokens).
    """

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:  # type: ignore[override]
        try:
            return super().authenticate(request, **kwargs)  # type: ignore[no-any-return]
        except DigiDRefused as refused:
            setattr(request, REFUSAL_ATTR, refused.reason)
        except SuspiciousOperation as exc:
            LOGGER.warning("DigiD login refused: %s", type(exc).__name__)
            setattr(request, REFUSAL_ATTR, "token")
        except RequestException as exc:
            LOGGER.warning("DigiD broker not reachable: %s", type(exc).__name__)
            setattr(request, REFUSAL_ATTR, "broker")
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The verified claims of the ID token, or SuspiciousOperation (nothing of the token is logged)."""
        if not isinstance(token, str) or not token:
            raise SuspiciousOperation("No ID token")
        key = self.OIDC_RP_IDP_SIGN_KEY or self.retrieve_matching_jwk(token)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.RONDOM_OIDC_ISSUER,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {type(exc).__name__}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token refused: azp")
        nonce = kwargs.get("nonce")
        if self.get_settings("OIDC_USE_NONCE", True) and (not nonce or claims.get("nonce") != nonce):
            raise SuspiciousOperation("ID token refused: nonce")
        return claims

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The claims to read, from the verified ID token (`payload`) and/or userinfo as configured."""
        source = settings.RONDOM_OIDC_CLAIM_SOURCE
        userinfo = None if source == "id_token" else super().get_userinfo(access_token, id_token, payload)
        claims = merge_claims(source, payload, userinfo)
        check_claims(claims)
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return is_valid_bsn(str(claims.get(settings.RONDOM_OIDC_BSN_CLAIM, "")))

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return "a BSN"  # the library logs this; never the number itself

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        index = blind_index(str(claims.get(settings.RONDOM_OIDC_BSN_CLAIM, "")))
        own_record = Child.objects.filter(bsn_index=index).exclude(youth_account=None).values("youth_account_id")
        return User.objects.filter(is_active=True).filter(bsn_index=index) | User.objects.filter(
            is_active=True, pk__in=own_record
        )

    def create_user(self, claims: dict[str, Any]) -> None:  # type: ignore[override]
        return None  # accounts come from the school, never from a login


@method_decorator(ratelimit(key="ip", rate=settings.LOGIN_RATE_LIMIT, method="GET", block=True), name="get")
class DigiDCallbackView(OIDCAuthenticationCallbackView):
    """Back from the broker: the same kind refusals as the password login; DigiD counts as the second step."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)  # type: ignore[no-any-return]
        except SuspiciousOperation:  # an unknown or replayed `state`: a plain refusal, not an error page
            setattr(request, REFUSAL_ATTR, "token")
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        messages.error(self.request, refusal_message(getattr(self.request, REFUSAL_ATTR, "")))
        return redirect("portal:login")

    def login_success(self) -> HttpResponse:
        reason = services.refusal(self.user)
        if reason:
            messages.error(self.request, reason)
            return redirect("portal:login")
        super().login_success()  # django.contrib.auth.login: a new session key
        self.request.session[services.SESSION_KEY] = True
        return redirect("portal:home")


@serves_no_child_data
@ratelimit(key="ip", rate=settings.LOGIN_RATE_LIMIT, method="GET", block=True)
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
