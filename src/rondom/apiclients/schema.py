"""The OpenAPI schema's security scheme for machine clients: OAuth2 client credentials (token URL
/api/oauth/token/, the scopes of rondom.config.scopes), and per operation the scopes its view requires
(``required_scopes``). Operations whose view declares none are not open to clients and list no OAuth2 requirement.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme


class ClientCredentialsScheme(DjangoOAuthToolkitScheme):
    target_class = "rondom.apiclients.authentication.ClientTokenAuthentication"
    name = "oauth2"
    priority = 1

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[str]] | None:  # type: ignore[override]
        scopes = getattr(auto_schema.view, "required_scopes", None)
        return {self.name: list(scopes)} if scopes else None
