"""DigiD through the municipality's OIDC broker, against a local test provider over real HTTP that behaves like the
real brokers (BSN and `acr` only in the signed ID token, userinfo with `sub` only): a youth of 16 and a parent are
found by the BSN (never stored, only its keyed hash) read from where RONDOM_OIDC_CLAIM_SOURCE says; a missing BSN, a
too-low DigiD level, a tampered ID token, an unknown BSN, a parent without authority or a youth under 12 are refused
kindly in Dutch, nobody is created, and nothing personal is logged."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import HTTPRedirectHandler, build_opener

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils.module_loading import import_string

from rondom.accounts.models import User
from rondom.registry.bsn import blind_index
from tests.factories import ChildFactory, GuardianshipFactory, UserFactory, born_years_ago, make_bsn
from tests.oidc_provider import ACR_BASIS, ACR_SUBSTANTIEEL, CLIENT_ID, CLIENT_SECRET, TAMPERINGS, running_provider

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@pytest.fixture
def broker(settings):  # type: ignore[no-untyped-def]
    with running_provider() as provider:
        settings.RONDOM_OIDC_ENABLED = True
        settings.RONDOM_OIDC_ISSUER = provider.issuer
        settings.RONDOM_OIDC_CLAIM_SOURCE = "id_token"
        settings.RONDOM_OIDC_MIN_LOA = "midden"
        settings.RONDOM_OIDC_LOA_REQUIRED = False
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.issuer}/authorize"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.issuer}/token"
        settings.OIDC_OP_USER_ENDPOINT = f"{provider.issuer}/userinfo"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{provider.issuer}/jwks"
        settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "rondom.portal.oidc.FamilyOIDCBackend"]
        yield provider


def _digid_login(client, provider, bsn: str = "", language: str = "en"):  # type: ignore[no-untyped-def]
    """The browser's part: to the broker, DigiD says yes for this BSN, back to Rondom's callback."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    provider.next_bsn = bsn
    start = client.get("/portaal/inloggen/digid/")
    assert start.status_code == 302 and start["Location"].startswith(provider.issuer + "/authorize")
    try:
        build_opener(_NoRedirect).open(start["Location"])
    except Exception as redirect:  # urllib raises HTTPError for the 302 it does not follow
        callback = redirect.headers["Location"]  # type: ignore[attr-defined]
    url = urlparse(callback)
    assert url.path == "/portaal/inloggen/digid/terug/"
    return client.get(f"{url.path}?{url.query}")


def _youth(bsn: str, age: int = 16) -> User:
    youth = UserFactory()
    child = ChildFactory(date_of_birth=born_years_ago(age), youth_account=youth)
    child.set_bsn(bsn)
    child.save()
    return youth


def _logged_in_as(client) -> str | None:  # type: ignore[no-untyped-def]
    return client.session.get("_auth_user_id")


def _refused_with(client, response) -> str:  # type: ignore[no-untyped-def]
    """A refusal sends the family back to the login page with a message, logged in as nobody."""
    assert response.status_code == 302 and response["Location"] == "/portaal/inloggen/"
    assert _logged_in_as(client) is None
    return str(client.get("/portaal/inloggen/").content.decode())


def test_a_youth_of_16_logs_in_with_digid_and_sees_the_own_file(client, broker) -> None:  # type: ignore[no-untyped-def]
    youth = _youth(make_bsn(1))
    response = _digid_login(client, broker, make_bsn(1))
    assert response.status_code == 302 and response["Location"] == "/portaal/"
    assert broker.token_requests == 1  # Rondom fetched and verified the signed ID token itself
    assert broker.userinfo_requests == 0  # the brokers document the BSN in the ID token: userinfo is not needed
    assert _logged_in_as(client) == str(youth.pk)
    from rondom.registry.models import Child

    own = Child.objects.get(youth_account=youth)
    assert client.get(f"/portaal/kind/{own.pk}/").status_code == 200  # no e-mail code needed after DigiD


def test_realworld_11_the_bsn_only_in_the_id_token_lets_the_youth_in(client, broker, settings) -> None:  # type: ignore[no-untyped-def]
    """shared/realworld/11: a broker that puts the BSN only in the ID token; userinfo carries just `sub`."""
    sample = json.loads((DATA / "11-oidc-bsn-only-in-id-token.json").read_text(encoding="utf-8"))
    settings.RONDOM_OIDC_BSN_CLAIM = sample["setting"]["RONDOM_OIDC_BSN_CLAIM"]
    settings.OIDC_RP_CLIENT_ID = broker.client_id = sample["id_token_claims"]["aud"]
    broker.script(sample["id_token_claims"], sample["userinfo_response"])
    bsn = sample["id_token_claims"]["bsn"]
    assert "bsn" not in sample["userinfo_response"]
    youth = _youth(bsn)
    response = _digid_login(client, broker)
    assert response.status_code == 302 and response["Location"] == "/portaal/"
    assert _logged_in_as(client) == str(youth.pk)


def test_a_broker_with_another_bsn_claim_name_and_an_empty_userinfo_lets_the_parent_in(  # type: ignore[no-untyped-def]
    client, broker, settings
) -> None:
    """Beyond the sample: the claim name is configurable, and userinfo may not even repeat the `sub`."""
    settings.RONDOM_OIDC_BSN_CLAIM = "urn:nl-eid-gdi:1.0:id:BSN"
    parent = GuardianshipFactory(child=ChildFactory(date_of_birth=born_years_ago(9))).user
    User.objects.filter(pk=parent.pk).update(bsn_index=blind_index(make_bsn(7)))
    claims = {"iss": "<broker>", "sub": "x9", "aud": CLIENT_ID, "nonce": "<nonce>", "acr": ACR_SUBSTANTIEEL}
    broker.script({**claims, "urn:nl-eid-gdi:1.0:id:BSN": make_bsn(7)}, {})
    assert _digid_login(client, broker)["Location"] == "/portaal/"
    assert _logged_in_as(client) == str(parent.pk)


def test_the_bsn_is_read_from_the_id_token_even_when_userinfo_names_another_person(client, broker) -> None:  # type: ignore[no-untyped-def]
    """A test that fails when the code reads userinfo instead of the ID token (the documented source)."""
    right, wrong = _youth(make_bsn(11)), _youth(make_bsn(12))
    broker.userinfo_bsn = make_bsn(12)
    _digid_login(client, broker, make_bsn(11))
    assert _logged_in_as(client) == str(right.pk) != str(wrong.pk)


@pytest.mark.parametrize(
    ("source", "bsn_in", "logs_in"),
    [
        ("id_token", "id_token", True),
        ("id_token", "userinfo", False),  # a broker that puts it elsewhere than configured: refused, not guessed
        ("userinfo", "userinfo", True),
        ("userinfo", "id_token", False),
        ("both", "userinfo", True),
        ("both", "id_token", True),
    ],
)
def test_the_claims_are_read_from_the_configured_source(  # type: ignore[no-untyped-def]
    client, broker, settings, source: str, bsn_in: str, logs_in: bool
) -> None:
    settings.RONDOM_OIDC_CLAIM_SOURCE = source
    broker.bsn_in = bsn_in
    broker.acr = None  # the level is checked separately below
    youth = _youth(make_bsn(13))
    response = _digid_login(client, broker, make_bsn(13))
    if logs_in:
        assert response["Location"] == "/portaal/" and _logged_in_as(client) == str(youth.pk)
    else:
        assert "citizen service number" in _refused_with(client, response)


def test_with_both_sources_a_userinfo_that_contradicts_the_id_token_is_refused(client, broker, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_OIDC_CLAIM_SOURCE = "both"
    _youth(make_bsn(14)), _youth(make_bsn(15))
    broker.userinfo_bsn = make_bsn(15)
    assert "two different answers" in _refused_with(client, _digid_login(client, broker, make_bsn(14)))


def test_a_missing_bsn_is_refused_in_dutch_and_creates_nothing(client, broker) -> None:  # type: ignore[no-untyped-def]
    broker.bsn_in = "none"
    users = User.objects.count()
    page = _refused_with(client, _digid_login(client, broker, make_bsn(16), language="nl"))
    assert "DigiD gaf ons uw burgerservicenummer (BSN) niet" in page
    assert User.objects.count() == users


@pytest.mark.parametrize(
    ("minimum", "acr", "logs_in"),
    [
        ("midden", ACR_BASIS, False),  # DigiD basis (password only) where midden is required
        ("midden", "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract", True),
        ("midden", ACR_SUBSTANTIEEL, True),
        ("midden", "urn:etoegang:core:assurance-class:loa2", False),  # not a DigiD level: refused, not guessed
        ("substantieel", "midden", False),
        ("basis", ACR_BASIS, True),
    ],
)
def test_a_too_low_digid_level_is_refused_in_dutch(  # type: ignore[no-untyped-def]
    client, broker, settings, minimum: str, acr: str, logs_in: bool
) -> None:
    settings.RONDOM_OIDC_MIN_LOA = minimum
    broker.acr = acr
    youth = _youth(make_bsn(17))
    response = _digid_login(client, broker, make_bsn(17), language="nl")
    if logs_in:
        assert _logged_in_as(client) == str(youth.pk)
    else:
        assert "niveau dat te laag is" in _refused_with(client, response)


@pytest.mark.parametrize("required", [False, True])
def test_a_login_without_a_level_is_refused_only_when_the_level_is_required(  # type: ignore[no-untyped-def]
    client, broker, settings, required: bool
) -> None:
    settings.RONDOM_OIDC_LOA_REQUIRED = required
    broker.acr = None
    youth = _youth(make_bsn(18))
    response = _digid_login(client, broker, make_bsn(18))
    if required:
        assert "did not tell us how you logged in" in _refused_with(client, response)
    else:
        assert _logged_in_as(client) == str(youth.pk)


@pytest.mark.parametrize("tamper", TAMPERINGS)
def test_an_id_token_that_fails_verification_is_refused(client, broker, tamper: str) -> None:  # type: ignore[no-untyped-def]
    """Signature (the broker's JWKS key), iss, aud, exp and nonce are all verified; a failure is a plain refusal."""
    _youth(make_bsn(19))
    broker.tamper = tamper
    assert "could not check the answer from DigiD" in _refused_with(client, _digid_login(client, broker, make_bsn(19)))


def test_a_replayed_callback_is_refused_without_an_error_page(client, broker) -> None:  # type: ignore[no-untyped-def]
    _youth(make_bsn(20))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/portaal/inloggen/digid/terug/?code=abc&state=never-issued")
    assert response.status_code == 302 and response["Location"] == "/portaal/inloggen/"


def test_the_session_key_changes_at_the_digid_login(client, broker) -> None:  # type: ignore[no-untyped-def]
    _youth(make_bsn(21))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.get("/portaal/inloggen/digid/")  # the session that holds the state and nonce
    before = client.session.session_key
    _digid_login(client, broker, make_bsn(21))
    after = client.session.session_key
    assert before and after and before != after
    store: type[SessionBase] = import_string(settings.SESSION_ENGINE + ".SessionStore")
    assert not store().exists(before)


def test_nothing_personal_is_logged_on_success_or_refusal(client, broker, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    _youth(make_bsn(22))
    _digid_login(client, broker, make_bsn(22))
    client.logout()
    broker.tamper = "other_audience"
    _digid_login(client, broker, make_bsn(22))
    broker.tamper = None
    _digid_login(client, broker, make_bsn(23))  # unknown BSN
    logged = " ".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert make_bsn(22) not in logged and make_bsn(23) not in logged


def test_a_parent_is_found_by_the_keyed_hash_of_the_bsn(client, broker) -> None:  # type: ignore[no-untyped-def]
    parent = GuardianshipFactory(child=ChildFactory(date_of_birth=born_years_ago(8))).user
    User.objects.filter(pk=parent.pk).update(bsn_index=blind_index(make_bsn(2)))
    assert _digid_login(client, broker, make_bsn(2))["Location"] == "/portaal/"
    assert make_bsn(2) not in str(User.objects.filter(pk=parent.pk).values().get())


@pytest.mark.parametrize("who", ["unknown", "no_authority", "under_12"])
def test_refusals_are_kind_and_create_nobody(client, broker, who: str) -> None:  # type: ignore[no-untyped-def]
    if who == "no_authority":
        parent = GuardianshipFactory(has_authority=False).user
        User.objects.filter(pk=parent.pk).update(bsn_index=blind_index(make_bsn(3)))
    elif who == "under_12":
        _youth(make_bsn(3), age=11)
    users = User.objects.count()
    response = _digid_login(client, broker, make_bsn(3))
    assert response["Location"] == "/portaal/inloggen/"
    page = client.get("/portaal/inloggen/").content.decode()
    assert {
        "unknown": "do not know you yet",
        "no_authority": "without parental authority",
        "under_12": "from the age of 12",
    }[who] in page
    assert User.objects.count() == users
    assert client.get("/portaal/").status_code == 302


def test_without_a_broker_the_digid_routes_do_not_exist(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/portaal/inloggen/digid/").status_code == 404
