"""Single sign-on for professionals (issue 15, part 4), end to end over real HTTP against the strict local provider
(tests/oidc_provider.py: RS256-signed ID tokens, nonce, state, single-use codes, the client secret checked, claims
exactly where scripted): a first sign-on for a known organisation creates the account and its membership (logged,
by the system), a second finds the same person by (iss, sub); a token without the organisation claim, an unknown
organisation, an unfit role or a BSN are refused with a Dutch page and create nothing; MFA proven by `acr`/`amr`
skips TOTP, otherwise the TOTP step follows; the organisation and role are read only where the claim source says.
The families' DigiD login keeps working next to it."""

from __future__ import annotations

import logging
from urllib.parse import urlparse
from urllib.request import HTTPRedirectHandler, build_opener

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from rondom.accounts.models import Membership, StaffIdentity, User
from rondom.audit.models import AdministrationLogEntry
from tests.factories import ChildFactory, OrganisationFactory, UserFactory, born_years_ago, make_bsn
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, STAFF_CLIENT_ID, STAFF_CLIENT_SECRET, running_provider

pytestmark = pytest.mark.django_db

MFA_ACR = "http://schemas.microsoft.com/claims/multipleauthn"
ROLE_MAP = {"Rondom.Leerkracht": "teacher", "Rondom.IB": "intern_begeleider", "Rondom.LPA": "leerplicht_officer"}
HOME = reverse(settings.LOGIN_REDIRECT_URL)


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _configure_staff(settings, provider) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_STAFF_OIDC_ENABLED = True
    settings.RONDOM_STAFF_OIDC_ISSUER = provider.issuer
    settings.RONDOM_STAFF_OIDC_CLIENT_ID = STAFF_CLIENT_ID
    settings.RONDOM_STAFF_OIDC_CLIENT_SECRET = STAFF_CLIENT_SECRET
    settings.RONDOM_STAFF_OIDC_AUTHORIZATION_ENDPOINT = f"{provider.issuer}/authorize"
    settings.RONDOM_STAFF_OIDC_TOKEN_ENDPOINT = f"{provider.issuer}/token"
    settings.RONDOM_STAFF_OIDC_USERINFO_ENDPOINT = f"{provider.issuer}/userinfo"
    settings.RONDOM_STAFF_OIDC_JWKS_ENDPOINT = f"{provider.issuer}/jwks"
    settings.RONDOM_STAFF_OIDC_SCOPES = "openid profile email"
    settings.RONDOM_STAFF_OIDC_CLAIM_SOURCE = "id_token"
    settings.RONDOM_STAFF_OIDC_ORGANISATION_CLAIM = "organisation"
    settings.RONDOM_STAFF_OIDC_ROLE_CLAIM = "roles"
    settings.RONDOM_STAFF_OIDC_ROLE_MAP = ROLE_MAP
    settings.RONDOM_STAFF_OIDC_MFA_ACR_VALUES = [MFA_ACR]
    settings.RONDOM_STAFF_OIDC_MFA_AMR_VALUES = ["mfa"]
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "rondom.records.staff_sso.StaffOIDCBackend"]


@pytest.fixture
def idp(settings):  # type: ignore[no-untyped-def]
    with running_provider() as provider:
        _configure_staff(settings, provider)
        yield provider


@pytest.fixture
def school():  # type: ignore[no-untyped-def]
    return OrganisationFactory(kind="school", brin="12AB", vestiging="00", school_type="po", sso_value="12AB00")


def _callback_url(client, provider, start_path: str = "/accounts/sso/") -> str:  # type: ignore[no-untyped-def]
    """The browser's part: to the provider, which signs the person in and sends the browser back."""
    start = client.get(start_path)
    assert start.status_code == 302 and start["Location"].startswith(provider.issuer + "/authorize")
    try:
        build_opener(_NoRedirect).open(start["Location"])
    except Exception as redirect:  # urllib raises HTTPError for the 302 it does not follow
        callback = redirect.headers["Location"]  # type: ignore[attr-defined]
    url = urlparse(callback)
    return f"{url.path}?{url.query}"


def _sso(client, provider, language: str = "en", **login):  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    provider.staff_login(**login)
    callback = _callback_url(client, provider)
    assert callback.startswith("/accounts/sso/terug/?")
    return client.get(callback)


def _claims(org: str | None = "12AB00", roles: object = ("Rondom.Leerkracht",)) -> dict[str, object]:
    claims: dict[str, object] = {"given_name": "Fenna", "family_name": "Kuipers", "email": "f.kuipers@school.example"}
    if org is not None:
        claims["organisation"] = org
    if roles is not None:
        claims["roles"] = list(roles) if isinstance(roles, tuple) else roles
    return claims


def _counts() -> tuple[int, int, int, int]:
    return (
        User.objects.count(),
        StaffIdentity.objects.count(),
        Membership.objects.count(),
        AdministrationLogEntry.objects.count(),
    )


def _logged_in_as(client) -> str | None:  # type: ignore[no-untyped-def]
    return client.session.get("_auth_user_id")


def _refused(client, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 403
    assert _logged_in_as(client) is None
    return response.content.decode()


def test_the_login_page_offers_the_organisation_account_only_when_configured(client, settings) -> None:  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert "Inloggen met uw organisatie-account" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/sso/").status_code == 404
    assert client.get("/accounts/sso/terug/?code=x&state=y").status_code == 404
    with running_provider() as provider:
        _configure_staff(settings, provider)
        page = client.get("/accounts/login/").content.decode()
    assert "Inloggen met uw organisatie-account" in page and 'href="/accounts/sso/"' in page


def test_a_first_sign_on_of_a_known_organisation_creates_the_account_and_its_logged_membership(  # type: ignore[no-untyped-def]
    client, idp, school
) -> None:
    namesake = UserFactory(email="f.kuipers@school.example")  # the same e-mail: never used to find the person
    response = _sso(client, idp, sub="entra-oid-1", amr=["pwd"], id_token=_claims(roles=["Rondom.Leerkracht", "x"]))

    identity = StaffIdentity.objects.get(issuer=idp.issuer, subject="entra-oid-1")
    user = identity.user
    assert user != namesake and (user.first_name, user.last_name) == ("Fenna", "Kuipers")
    assert not user.has_usable_password() and user.bsn_index == ""
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role, membership.valid_until) == (school, "teacher", None)
    entry = AdministrationLogEntry.objects.get(subject_user_id=user.pk)
    assert (entry.action, entry.actor_id, entry.actor_name, entry.actor_standing) == (
        "grant_role",
        None,
        "systeem",
        "identity_provider",
    )
    assert entry.role == "teacher" and entry.organisation_id == school.pk and entry.detail["issuer"] == idp.issuer
    # Signed in, but the password-less `pwd` proves no second factor: the TOTP step (set-up for a new account).
    assert response.status_code == 302 and response["Location"] == "/accounts/tweestaps/"
    assert _logged_in_as(client) == str(user.pk)
    assert client.get(HOME)["Location"].startswith("/accounts/tweestaps/")
    assert client.get("/accounts/tweestaps/")["Location"] == "/accounts/tweestaps/instellen/"
    assert idp.scopes_asked == ["openid profile email"]  # no bsn scope


def test_a_second_sign_on_finds_the_same_person_by_issuer_and_subject(client, idp, school) -> None:  # type: ignore[no-untyped-def]
    _sso(client, idp, sub="kc-42", id_token=_claims())
    user = StaffIdentity.objects.get(subject="kc-42").user
    client.logout()
    before = _counts()

    # Another name and e-mail at the provider: the same person still, found by (iss, sub), nothing added.
    claims = {**_claims(), "email": "other@example.org", "given_name": "F."}
    response = _sso(client, idp, sub="kc-42", id_token=claims)

    assert response.status_code == 302 and _logged_in_as(client) == str(user.pk)
    assert _counts() == before
    assert StaffIdentity.objects.get(subject="kc-42").last_login_at is not None


def test_a_token_without_the_organisation_claim_is_refused_naming_the_claim_and_creates_nothing(  # type: ignore[no-untyped-def]
    client, idp, school
) -> None:
    before = _counts()
    page = _refused(client, _sso(client, idp, language="nl", acr=MFA_ACR, id_token=_claims(org=None)))
    assert "Inloggen is niet gelukt" in page
    assert "\u201corganisation\u201d" in page and "12AB00" not in page and "Kuipers" not in page
    assert _counts() == before


def test_a_token_without_the_role_claim_is_refused_naming_the_claim(client, idp, school) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    page = _refused(client, _sso(client, idp, language="nl", id_token=_claims(roles=None)))
    assert "\u201croles\u201d" in page
    assert _counts() == before


def test_an_unknown_organisation_is_refused_and_nothing_is_created(client, idp, school) -> None:  # type: ignore[no-untyped-def]
    OrganisationFactory(kind="school", brin="34CD", vestiging="00", school_type="po")  # known, but not for SSO
    before = _counts()
    for org in ("99ZZ00", "34CD00", ""):
        page = _refused(client, _sso(client, idp, language="nl", acr=MFA_ACR, id_token=_claims(org=org)))
        assert "Er is geen account aangemaakt" in page or "ontbreekt" in page or "niet meegestuurd" in page
    assert _counts() == before


@pytest.mark.parametrize(
    "login",
    [
        {"acr": MFA_ACR},  # Entra ID's multipleauthn / a Keycloak acr configured as MFA
        {"amr": ["pwd", "mfa"]},  # RFC 8176: multiple-factor authentication
    ],
)
def test_an_id_token_that_proves_mfa_signs_in_without_totp(client, idp, school, login) -> None:  # type: ignore[no-untyped-def]
    response = _sso(client, idp, id_token=_claims(roles=["Rondom.IB"]), **login)

    assert response.status_code == 302 and response["Location"] == HOME
    user = User.objects.get(pk=_logged_in_as(client))
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert client.get(HOME).status_code == 200  # verified for django-otp: no TOTP step


@pytest.mark.parametrize("login", [{}, {"acr": "1"}, {"amr": ["pwd"]}, {"amr": "mfa"}])
def test_without_proof_of_mfa_the_totp_step_follows(client, idp, school, login) -> None:  # type: ignore[no-untyped-def]
    response = _sso(client, idp, id_token=_claims(), **login)
    assert response.status_code == 302 and response["Location"] == "/accounts/tweestaps/"
    assert client.get(HOME).status_code == 302


def test_mfa_proven_only_in_userinfo_does_not_count(client, idp, school, settings) -> None:  # type: ignore[no-untyped-def]
    """`acr`/`amr` are ID token claims (OIDC Core 1.0, section 2): a userinfo `acr` proves nothing."""
    settings.RONDOM_STAFF_OIDC_CLAIM_SOURCE = "userinfo"
    response = _sso(client, idp, userinfo={**_claims(), "acr": MFA_ACR, "amr": ["mfa"]})
    assert response["Location"] == "/accounts/tweestaps/"


@pytest.mark.parametrize(
    ("roles", "reason"),
    [
        (["Rondom.LPA"], "role_unfit"),
        (["Rondom.LPA", "Rondom.Leerkracht"], "role_unfit"),
        (["Onbekend"], "unknown_role"),
    ],
)
def test_a_role_that_does_not_fit_the_kind_or_is_unknown_is_refused(client, idp, school, roles, reason) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    page = _refused(client, _sso(client, idp, language="nl", acr=MFA_ACR, id_token=_claims(roles=roles)))
    assert f'data-reason="{reason}"' in page and "\u201croles\u201d" in page
    assert _counts() == before


@pytest.mark.parametrize(
    ("source", "placed", "accepted"),
    [
        ("id_token", "id_token", True),
        ("id_token", "userinfo", False),  # only in the other source: missing
        ("userinfo", "userinfo", True),
        ("userinfo", "id_token", False),
    ],
)
def test_the_claims_are_read_only_from_the_configured_source(  # type: ignore[no-untyped-def]
    client, idp, school, settings, source, placed, accepted
) -> None:
    settings.RONDOM_STAFF_OIDC_CLAIM_SOURCE = source
    response = _sso(client, idp, acr=MFA_ACR, **{placed: _claims()})
    if accepted:
        assert response.status_code == 302 and response["Location"] == HOME
    else:
        assert "\u201corganisation\u201d" in _refused(client, response)
    assert idp.userinfo_requests == (1 if source == "userinfo" else 0)


@pytest.mark.parametrize("claim", ["bsn", "urn:nl-eid-gdi:1.0:id:BSN"])
def test_a_bsn_from_the_professionals_provider_is_refused_and_never_stored(client, idp, school, claim) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    page = _refused(client, _sso(client, idp, language="nl", acr=MFA_ACR, id_token={**_claims(), claim: make_bsn(3)}))
    assert 'data-reason="bsn"' in page and make_bsn(3) not in page
    assert _counts() == before


def test_scopes_that_ask_a_bsn_are_a_configuration_error(client, idp, settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ImproperlyConfigured

    settings.RONDOM_STAFF_OIDC_SCOPES = "openid bsn"
    with pytest.raises(ImproperlyConfigured):
        client.get("/accounts/sso/")
    assert idp.scopes_asked == []


def test_a_callback_works_once_and_only_for_a_state_this_session_started(client, idp, school) -> None:  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    idp.staff_login(acr=MFA_ACR, id_token=_claims())
    callback = _callback_url(client, idp)
    assert client.get(callback)["Location"] == HOME
    client.logout()
    assert _refused(client, client.get(callback))  # replayed: the state is spent (and the code too)
    assert client.get("/accounts/sso/terug/?code=abc&state=forged").status_code == 403


def test_a_tampered_id_token_is_refused(client, idp, school) -> None:  # type: ignore[no-untyped-def]
    for tamper in ("other_key", "other_issuer", "other_audience", "other_nonce", "expired", "no_nonce"):
        idp.tamper = tamper
        _refused(client, _sso(client, idp, acr=MFA_ACR, id_token=_claims()))
    assert StaffIdentity.objects.count() == 0


def test_an_ended_account_is_refused(client, idp, school) -> None:  # type: ignore[no-untyped-def]
    _sso(client, idp, sub="s-1", id_token=_claims())
    User.objects.filter(staff_identities__subject="s-1").update(is_active=False)
    client.logout()
    assert 'data-reason="inactive"' in _refused(client, _sso(client, idp, sub="s-1", id_token=_claims()))


def test_digid_for_families_keeps_working_next_to_single_sign_on(client, idp, settings) -> None:  # type: ignore[no-untyped-def]
    """Both clients configured against one provider: the DigiD callback never reaches the staff backend."""
    settings.RONDOM_OIDC_ENABLED = True
    settings.RONDOM_OIDC_ISSUER = idp.issuer
    settings.RONDOM_OIDC_CLAIM_SOURCE = "id_token"
    settings.RONDOM_OIDC_MIN_LOA = "midden"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{idp.issuer}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{idp.issuer}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{idp.issuer}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{idp.issuer}/jwks"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "rondom.portal.oidc.FamilyOIDCBackend"]
    youth = UserFactory()
    child = ChildFactory(date_of_birth=born_years_ago(16), youth_account=youth)
    child.set_bsn(make_bsn(1))
    child.save()
    idp.next_bsn = make_bsn(1)

    callback = _callback_url(client, idp, "/portaal/inloggen/digid/")
    assert callback.startswith("/portaal/inloggen/digid/terug/?")
    # The staff callback does not accept the family's state; the code stays unspent for the family's callback.
    assert client.get(callback.replace("/portaal/inloggen/digid/terug/", "/accounts/sso/terug/")).status_code == 403
    response = client.get(callback)

    assert response["Location"] == "/portaal/" and _logged_in_as(client) == str(youth.pk)
    assert idp.token_requests == 1 and StaffIdentity.objects.count() == 0


def test_only_the_platform_administrator_sets_an_organisations_sso_value_and_it_is_logged() -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from rondom.records.administration import configure_sso

    school = OrganisationFactory(kind="school", brin="56EF", vestiging="00", school_type="po")
    other = OrganisationFactory(kind="school", brin="78GH", vestiging="00", school_type="po", sso_value="78GH00")
    platform = UserFactory(is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDenied):
        configure_sso(UserFactory(), school, "56EF00")
    with pytest.raises(ValidationError) as refused:
        configure_sso(platform, school, " 78GH00 ")
    assert list(refused.value.message_dict) == ["sso_value"]

    configure_sso(platform, school, " 56EF00 ")

    school.refresh_from_db()
    assert school.sso_value == "56EF00" and other.sso_value == "78GH00"
    entry = AdministrationLogEntry.objects.get(action="configure_sso")
    assert entry.actor_id == platform.pk and entry.detail == {"sso_value": "56EF00", "before": ""}


def test_nothing_personal_is_logged_on_success_or_refusal(client, idp, school, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    _sso(client, idp, sub="oid-secret-77", acr=MFA_ACR, id_token=_claims())
    client.logout()
    _sso(client, idp, sub="oid-secret-78", id_token={**_claims(org="99ZZ00"), "bsn": make_bsn(5)})
    idp.tamper = "other_key"
    _sso(client, idp, sub="oid-secret-79", id_token=_claims())
    logged = caplog.text
    for personal in ("oid-secret-7", "Kuipers", "Fenna", "f.kuipers", make_bsn(5), "99ZZ00"):
        assert personal not in logged


@pytest.mark.parametrize(
    ("mfa", "expected"), [(True, "/somewhere/"), (False, "/accounts/tweestaps/?next=%2Fsomewhere%2F")]
)
def test_the_page_asked_for_follows_the_sign_on_but_never_another_site(client, idp, school, mfa, expected) -> None:  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    idp.staff_login(acr=MFA_ACR if mfa else None, id_token=_claims())
    assert client.get(_callback_url(client, idp, "/accounts/sso/?next=/somewhere/"))["Location"] == expected
    client.logout()
    idp.staff_login(acr=MFA_ACR, id_token=_claims())
    assert client.get(_callback_url(client, idp, "/accounts/sso/?next=https://evil.example/"))["Location"] == HOME
