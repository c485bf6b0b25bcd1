"""django-oauth-toolkit's validator, narrowed for machine clients (``OAUTH2_PROVIDER["OAUTH2_VALIDATOR_CLASS"]``):

- only the client-credentials grant (no authorization code, implicit, password or refresh), and only for an open
  client (`models.ApiClient` not ended, its service account active);
- a token holds only scopes the client may ask for (`ApiClient.scopes`); asking for another answers
  ``invalid_scope``; asking for none gives all of the client's scopes.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from .services import active_client


class ClientCredentialsValidator(OAuth2Validator):
    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        """Only ``client_credentials``, only for an open client."""
        if grant_type != "client_credentials" or active_client(getattr(client, "pk", None)) is None:
            return False
        return bool(super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs))

    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        """The scopes asked for are known and among the client's own."""
        found = active_client(getattr(client, "pk", None))
        if found is None or not set(scopes) <= set(found.scopes):
            return False
        return bool(super().validate_scopes(client_id, scopes, client, request, *args, **kwargs))

    def get_default_scopes(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> list[str]:
        """No scope asked for: every scope the client may hold."""
        found = active_client(getattr(request.client, "pk", None))
        return list(found.scopes) if found is not None else []
