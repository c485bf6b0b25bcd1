"""DRF authentication of machine clients: django-oauth-toolkit's bearer-token check, then the client behind the
token. A client-credentials token carries no user; the call is made as the client's service account
(`models.ApiClient.user`), so the access policy and the NEN 7513 log see the client as actor. A token of an ended
client, or of an application that is no `ApiClient`, authenticates nobody (the call is then refused: 403).

Each authenticated call notes the client's id on the request (``api_client_id``): the request log line
(rondom.config.logging) names it, and `ApiClient.last_used_at` is kept.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.request import Request

from .services import active_client, note_use


class ClientTokenAuthentication(OAuth2Authentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        """(the client's service account, the AccessToken), or None: no bearer token, or not a valid one."""
        result = super().authenticate(request)
        if result is None:
            return None
        _user, token = result
        client = active_client(token.application_id)
        if client is None:
            return None
        request._request.api_client_id = client.client_id  # type: ignore[attr-defined]
        request._request.api_client = client  # type: ignore[attr-defined]
        note_use(client, now=timezone.now())
        return client.user, token
