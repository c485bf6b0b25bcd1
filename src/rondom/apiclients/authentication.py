"""DRF authentication of machine clients: django-oauth-toolkit's bearer-token check, then the client behind the
token. A client-credentials token carries no user; the call is made as the client's service account
(`models.ApiClient.user`), so the access policy and the NEN 7513 log see the client as actor. A token of an ended
client, or of an application that is no `ApiClient`, authenticates nobody: a request that sends such a bearer token
(revoked by a new secret, expired, ended) is answered 401 with ``WWW-Authenticate: Bearer`` and the Dutch "Dit
toegangsbewijs is niet (meer) geldig." (RFC 6750, section 3.1, invalid_token), not 403: the client must fetch a new
token, it lacks no right. DRF takes the 401's header from the first authentication class, so the session class is
`SessionAuthentication` below, which names Bearer only when the request sent a bearer token.

Each authenticated call notes the client's id on the request (``api_client_id``): the request log line
(rondom.config.logging) names it, and `ApiClient.last_used_at` is kept.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.authentication import SessionScheme
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .services import active_client, note_use

INVALID_TOKEN = gettext_lazy("This access token is not (or no longer) valid.")
BEARER_CHALLENGE = 'Bearer realm="api", error="invalid_token"'


def sends_bearer(request: Request) -> bool:
    """Whether the request carries an ``Authorization: Bearer ...`` header. Raises nothing."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return isinstance(header, str) and header[:7].lower() == "bearer "


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication; its 401 challenge is Bearer when the request sent a bearer token (so a
    refused token answers 401, see the module docstring), else none (a browser without session: 403)."""

    def authenticate_header(self, request: Request) -> str | None:  # type: ignore[override]
        return BEARER_CHALLENGE if sends_bearer(request) else None


class SessionAuthenticationScheme(SessionScheme):
    """The OpenAPI schema names `SessionAuthentication` as drf-spectacular names DRF's (cookieAuth)."""

    target_class = "rondom.apiclients.authentication.SessionAuthentication"


class ClientTokenAuthentication(OAuth2Authentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        """(the client's service account, the AccessToken), or None when the request sends no bearer token.
        Raises AuthenticationFailed (401, INVALID_TOKEN) for a bearer token that is unknown, revoked, expired or of
        an ended client."""
        result = super().authenticate(request)
        if result is None:
            if sends_bearer(request):
                raise exceptions.AuthenticationFailed(INVALID_TOKEN)
            return None
        _user, token = result
        client = active_client(token.application_id)
        if client is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        request._request.api_client_id = client.client_id  # type: ignore[attr-defined]
        request._request.api_client = client  # type: ignore[attr-defined]
        note_use(client, now=timezone.now())
        return client.user, token
