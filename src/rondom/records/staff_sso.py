"""Single sign-on for professionals through their organisation's OpenID Connect provider (docs/sso.md).

Municipalities and school boards run Entra ID, ADFS or Keycloak; schools reach Entree through an OIDC broker. This is
a second OIDC client, apart from the families' DigiD broker (portal.oidc): its own RONDOM_STAFF_OIDC_* settings, its
own callback URL and its own backend, which acts only on its own callback (the families' backend never sees a staff
code, nor this one a family's).

The rules (issue 15, part 4):
- The person is found by the ID token's (`iss`, `sub`) in accounts.StaffIdentity, never by e-mail or name.
- A first sign-on creates an account only for a *known* organisation: the organisation claim must equal the
  `sso_value` of an existing Organisation. The role claim's values are mapped by RONDOM_STAFF_OIDC_ROLE_MAP; each
  mapped role must fit the organisation's kind (core.roles). The membership is granted through the administration
  service's system path (records.administration.grant_role_at_sign_in), logged in the administration log. Anything
  else is refused with a plain Dutch page and nothing is created (one transaction).
- A missing claim is refused naming the claim (its name from the settings, never a value).
- No BSN: the scopes may not ask it, and a token or userinfo answer carrying one is refused.
- When the ID token proves a second factor (`acr` in RONDOM_STAFF_OIDC_MFA_ACR_VALUES or an `amr` value in
  RONDOM_STAFF_OIDC_MFA_AMR_VALUES), the session is verified for django-otp with the StaffIdentity as its device
  and no TOTP code is asked; otherwise the usual TOTP step follows. `acr` and `amr` are ID token claims (OpenID
  Connect Core 1.0, section 2), so they are always read there, whatever the claim source.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from requests import RequestException

from rondom.accounts.models import Organisation, StaffIdentity, User
from rondom.core.roles import PROFESSIONAL_ROLES, role_fits_kind
from rondom.records.administration import grant_role_at_sign_in

LOGGER = logging.getLogger(__name__)

BACKEND_PATH = "rondom.records.staff_sso.StaffOIDCBackend"
CLAIM_SOURCES = ("id_token", "userinfo")
#: Set on the request by the staff callback only: the one place where this backend exchanges a code.
FLOW_ATTR = "_rondom_staff_sso"
#: The outcome of an attempt, kept on the request for the callback view: a Refusal, or the identity and MFA.
REFUSAL_ATTR = "_rondom_staff_sso_refusal"
RESULT_ATTR = "_rondom_staff_sso_result"
#: Claim names that carry a BSN (the DigiD brokers' names): never accepted from a professional's provider.
BSN_CLAIMS = frozenset({"bsn", "urn:nl-eid-gdi:1.0:id:BSN"})

#: mozilla-django-oidc's setting names and the RONDOM_STAFF_OIDC_* setting each reads for this client.
SETTINGS = {
    "OIDC_RP_CLIENT_ID": "RONDOM_STAFF_OIDC_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET": "RONDOM_STAFF_OIDC_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "RONDOM_STAFF_OIDC_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT": "RONDOM_STAFF_OIDC_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT": "RONDOM_STAFF_OIDC_USERINFO_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT": "RONDOM_STAFF_OIDC_JWKS_ENDPOINT",
    "OIDC_RP_SCOPES": "RONDOM_STAFF_OIDC_SCOPES",
}
#: The same for the fixed choices of this client (not configurable: RS256, nonce, our callback, no stored tokens).
FIXED = {
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_RP_IDP_SIGN_KEY": None,
    "OIDC_USE_NONCE": True,
    "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:sso-callback",
    "OIDC_STORE_ACCESS_TOKEN": False,
    "OIDC_STORE_ID_TOKEN": False,
    "OIDC_CREATE_USER": False,
}


def enabled() -> bool:
    return bool(getattr(settings, "RONDOM_STAFF_OIDC_ENABLED", False))


def get_setting(name: str, *default: Any) -> Any:
    """A mozilla-django-oidc setting as this client sees it (SETTINGS, FIXED), else the shared Django setting."""
    if name in SETTINGS:
        return getattr(settings, SETTINGS[name])
    if name in FIXED:
        return FIXED[name]
    return getattr(settings, name, *default)


def scopes() -> str:
    """The scopes asked; raises ImproperlyConfigured when they would ask for a BSN (professionals never give one)."""
    value = str(settings.RONDOM_STAFF_OIDC_SCOPES)
    if any("bsn" in scope.lower() for scope in value.split()):
        raise ImproperlyConfigured("RONDOM_STAFF_OIDC_SCOPES may not ask for a BSN.")
    return value


class StaffRefused(Exception):
    """A sign-on the provider vouched for but Rondom may not accept. `reason`: a key of `refusal_message`;
    `claim`: the name (never the value) of the claim concerned, or ""."""

    def __init__(self, reason: str, claim: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.claim = claim


def refusal_message(reason: str, claim: str = "") -> str:
    """The plain words for a refusal; names a claim by its configured name, never a value or a person."""
    messages = {
        "missing_claim": _(
            "Your organisation's sign-in service did not send the claim “%(claim)s”, which Rondom needs. "
            "Nothing was changed. Ask your organisation's administrator to add it to the sign-in for Rondom."
        ),
        "unknown_organisation": _(
            "Your organisation does not use single sign-on for Rondom yet, or its sign-in service names it "
            "differently. No account was created. Ask your functioneel beheerder to register your organisation."
        ),
        "unknown_role": _(
            "Your organisation's sign-in service gave no role that Rondom knows (claim “%(claim)s”). "
            "No account was created. Ask your organisation's administrator for the right role."
        ),
        "role_unfit": _(
            "The role your sign-in service gave (claim “%(claim)s”) does not fit the kind of your "
            "organisation in Rondom. No account was created. Ask your functioneel beheerder."
        ),
        "bsn": _(
            "Your organisation's sign-in service sent a citizen service number (BSN). Rondom never accepts a BSN "
            "for professionals, so you were not signed in. Ask your organisation's administrator to remove it."
        ),
        "not_member": _(
            "Your account in Rondom has no current role at the organisation your sign-in service names. "
            "Ask your functioneel beheerder."
        ),
        "inactive": _("Your account in Rondom has been ended. Ask your functioneel beheerder."),
        "provider": _("Your organisation's sign-in service could not be reached. Please try again later."),
        "cancelled": _("Signing in with your organisation's account was cancelled. Nothing was changed."),
    }
    text = messages.get(
        reason, _("We could not check the answer of your organisation's sign-in service. Please try again.")
    )
    return text % {"claim": claim} if "%(claim)" in text else text


def read_claims(source: str, id_token: dict[str, Any], userinfo: dict[str, Any] | None) -> dict[str, Any]:
    """The claims the organisation and role are read from: the verified ID token's (`id_token`) or the userinfo
    answer's (`userinfo`), never a mix, so a claim present only in the other source counts as missing. Userinfo is
    used only when its `sub` equals the ID token's (OpenID Connect Core 1.0, section 5.3.2), else
    StaffRefused("token")."""
    if source not in CLAIM_SOURCES:
        raise ImproperlyConfigured(f"RONDOM_STAFF_OIDC_CLAIM_SOURCE must be one of {', '.join(CLAIM_SOURCES)}.")
    if source == "id_token":
        return dict(id_token)
    if not isinstance(userinfo, dict) or userinfo.get("sub") != id_token.get("sub"):
        raise StaffRefused("token")
    return dict(userinfo)


def proves_mfa(id_token: dict[str, Any]) -> bool:
    """Whether the verified ID token shows a second factor: its `acr` (a string) is one of
    RONDOM_STAFF_OIDC_MFA_ACR_VALUES, or its `amr` (a list of strings, RFC 8176) holds one of
    RONDOM_STAFF_OIDC_MFA_AMR_VALUES. Anything else (absent, another type) is no proof."""
    acr = id_token.get("acr")
    if isinstance(acr, str) and acr in set(settings.RONDOM_STAFF_OIDC_MFA_ACR_VALUES):
        return True
    amr = id_token.get("amr")
    return isinstance(amr, list) and bool(
        {v for v in amr if isinstance(v, str)} & set(settings.RONDOM_STAFF_OIDC_MFA_AMR_VALUES)
    )


def _required(claims: dict[str, Any], name: str) -> Any:
    value = claims.get(name)
    if value in (None, "", []):
        raise StaffRefused("missing_claim", name)
    return value


def mapped_roles(value: Any, organisation: Organisation) -> list[str]:
    """The Rondom roles for the role claim's value (a string or a list of strings), through
    RONDOM_STAFF_OIDC_ROLE_MAP, in the claim's order without repeats. Values the map does not list are ignored
    (a groups claim carries many); none left: StaffRefused("unknown_role"); a role that does not fit the
    organisation's kind (core.roles.role_fits_kind): StaffRefused("role_unfit")."""
    claim = settings.RONDOM_STAFF_OIDC_ROLE_CLAIM
    values = value if isinstance(value, list) else [value]
    role_map: dict[str, str] = settings.RONDOM_STAFF_OIDC_ROLE_MAP
    roles: list[str] = []
    for item in values:
        role = role_map.get(item) if isinstance(item, str) else None
        if role and role not in roles:
            roles.append(role)
    if not roles:
        raise StaffRefused("unknown_role", claim)
    if any(role not in PROFESSIONAL_ROLES or not role_fits_kind(role, organisation.kind) for role in roles):
        raise StaffRefused("role_unfit", claim)
    return roles


@dataclass(frozen=True)
class SignOn:
    """The outcome of an accepted sign-on: the identity (a django-otp device), whether it was created just now, and
    whether the ID token proved a second factor."""

    identity: StaffIdentity
    created: bool
    mfa: bool


def sign_on(issuer: str, id_token: dict[str, Any], claims: dict[str, Any], *, now: datetime) -> SignOn:
    """Accept a verified sign-on or raise StaffRefused (module docstring for the rules).

    `issuer`: the configured, verified `iss`; `id_token`: the verified ID token's claims; `claims`: where the
    organisation and role are read (read_claims); `now`: the moment of the sign-on (timezone-aware), whose local
    date starts a just-in-time membership. Creates the account (no password: it signs in only through the provider),
    its StaffIdentity and memberships in one transaction, or nothing at all."""
    if BSN_CLAIMS & (set(id_token) | set(claims)):
        raise StaffRefused("bsn")
    subject = id_token.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise StaffRefused("token")
    org_claim = settings.RONDOM_STAFF_OIDC_ORGANISATION_CLAIM
    org_value = _required(claims, org_claim)
    role_value = _required(claims, settings.RONDOM_STAFF_OIDC_ROLE_CLAIM)
    if not isinstance(org_value, str):
        raise StaffRefused("missing_claim", org_claim)
    organisation = Organisation.objects.filter(sso_value=org_value).first() if org_value.strip() else None
    if organisation is None:
        raise StaffRefused("unknown_organisation")
    roles = mapped_roles(role_value, organisation)
    mfa = proves_mfa(id_token)
    try:
        identity, created = _sign_on_account(issuer, subject, claims, organisation, roles, now=now)
    except IntegrityError:  # the same first sign-on twice at once: the other one won; nothing of this one stays
        raise StaffRefused("token") from None
    return SignOn(identity=identity, created=created, mfa=mfa)


def _sign_on_account(
    issuer: str, subject: str, claims: dict[str, Any], organisation: Organisation, roles: list[str], *, now: datetime
) -> tuple[StaffIdentity, bool]:
    with transaction.atomic():
        identity = (
            StaffIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        created = identity is None
        if identity is not None:
            user = identity.user
            if not user.is_active:
                raise StaffRefused("inactive")
            if not any(m.organisation_id == organisation.pk for m in user.active_memberships()):
                raise StaffRefused("not_member")
        else:
            identity = _create_account(issuer, subject, claims, organisation, roles, now=now)
        identity.last_login_at = now
        identity.save(update_fields=["last_login_at"])
    return identity, created


def _create_account(
    issuer: str, subject: str, claims: dict[str, Any], organisation: Organisation, roles: list[str], *, now: datetime
) -> StaffIdentity:
    def text(name: str, limit: int) -> str:
        value = claims.get(name)
        return value.strip()[:limit] if isinstance(value, str) else ""

    user = User(
        username=f"sso-{secrets.token_hex(8)}",
        first_name=text("given_name", 150),
        last_name=text("family_name", 150),
        # The e-mail claim only when the provider says it verified it: an unverified address is whatever the user
        # typed in the provider's account console (docs/sso.md).
        email=text("email", 254) if claims.get("email_verified") in (True, "true") else "",
    )
    user.set_unusable_password()
    user.save()
    identity = StaffIdentity.objects.create(
        user=user, name=issuer[:64], confirmed=True, issuer=issuer, subject=subject, created_at=now
    )
    today = timezone.localdate(now)
    for role in roles:
        try:
            grant_role_at_sign_in(user, organisation, role, issuer=issuer, today=today)
        except (ValidationError, PermissionDenied):
            raise StaffRefused("role_unfit", settings.RONDOM_STAFF_OIDC_ROLE_CLAIM) from None
    return identity


class StaffOIDCBackend(OIDCAuthenticationBackend):
    """The professionals' OIDC backend. Acts only when the staff callback marked the request (FLOW_ATTR), so it
    never exchanges a family's code, whatever the order of AUTHENTICATION_BACKENDS. The ID token's signature
    (RS256, the provider's JWKS), `iss`, `aud` (and `azp` with several audiences), `exp`, `iat` and `nonce` are all
    verified. A refusal is kept on the request (REFUSAL_ATTR), the accepted sign-on too (RESULT_ATTR). Nothing
    personal and no token is logged."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return get_setting(attr, *args)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:  # type: ignore[override]
        if request is None or not getattr(request, FLOW_ATTR, False):
            return None
        try:
            return super().authenticate(request, **kwargs)  # type: ignore[no-any-return]
        except StaffRefused as refused:
            setattr(request, REFUSAL_ATTR, refused)
        except SuspiciousOperation as exc:
            LOGGER.warning("Single sign-on refused: %s", type(exc).__name__)
            setattr(request, REFUSAL_ATTR, StaffRefused("token"))
        except RequestException as exc:
            LOGGER.warning("Single sign-on provider not reachable: %s", type(exc).__name__)
            setattr(request, REFUSAL_ATTR, StaffRefused("provider"))
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The verified claims of the ID token, or SuspiciousOperation (nothing of the token is logged)."""
        if not isinstance(token, str) or not token:
            raise SuspiciousOperation("No ID token")
        key = self.retrieve_matching_jwk(token)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.RONDOM_STAFF_OIDC_ISSUER,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {type(exc).__name__}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token refused: azp")
        nonce = kwargs.get("nonce")
        if not nonce or claims.get("nonce") != nonce:
            raise SuspiciousOperation("ID token refused: nonce")
        return claims

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        """The account for the verified ID token (`payload`), through sign_on; userinfo is fetched only when the
        claim source is userinfo."""
        source = settings.RONDOM_STAFF_OIDC_CLAIM_SOURCE
        userinfo = self.get_userinfo(access_token, id_token, payload) if source == "userinfo" else None
        claims = read_claims(source, payload, userinfo)
        result = sign_on(settings.RONDOM_STAFF_OIDC_ISSUER, payload, claims, now=timezone.now())
        setattr(self.request, RESULT_ATTR, result)
        return result.identity.user

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return "a single sign-on subject"

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return User.objects.none()  # never by e-mail: sign_on finds the person by (iss, sub)

    def create_user(self, claims: dict[str, Any]) -> None:  # type: ignore[override]
        return None  # accounts are created by sign_on only
