"""DigiD through the municipality's OIDC broker, against a local test provider over real HTTP: a youth of 16 and a
parent are found by the BSN in the ID token (never stored, only its keyed hash); an unknown BSN, a parent without
authority or a youth under 12 are refused kindly and nobody is created."""

from __future__ import annotations

from urllib.parse import urlparse
from urllib.request import HTTPRedirectHandler, build_opener

import pytest
from django.conf import settings

from rondom.accounts.models import User
from rondom.registry.bsn import blind_index
from tests.factories import ChildFactory, GuardianshipFactory, UserFactory, born_years_ago, make_bsn
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider

pytestmark = pytest.mark.django_db


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@pytest.fixture
def broker(settings):  # type: ignore[no-untyped-def]
    with running_provider() as provider:
        settings.RONDOM_OIDC_ENABLED = True
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.issuer}/authorize"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.issuer}/token"
        settings.OIDC_OP_USER_ENDPOINT = f"{provider.issuer}/userinfo"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{provider.issuer}/jwks"
        settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "rondom.portal.oidc.FamilyOIDCBackend"]
        yield provider


def _digid_login(client, provider, bsn: str):  # type: ignore[no-untyped-def]
    """The browser's part: to the broker, DigiD says yes for this BSN, back to Rondom's callback."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
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


def test_a_youth_of_16_logs_in_with_digid_and_sees_the_own_file(client, broker) -> None:  # type: ignore[no-untyped-def]
    youth = UserFactory()
    child = ChildFactory(date_of_birth=born_years_ago(16), youth_account=youth)
    child.set_bsn(make_bsn(1))
    child.save()
    response = _digid_login(client, broker, make_bsn(1))
    assert response.status_code == 302 and response["Location"] == "/portaal/"
    assert broker.token_requests == 1  # Rondom fetched and verified the signed ID token itself
    assert client.get(f"/portaal/kind/{child.pk}/").status_code == 200  # no e-mail code needed after DigiD


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
        child = ChildFactory(date_of_birth=born_years_ago(11), youth_account=UserFactory())
        child.set_bsn(make_bsn(3))
        child.save()
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
