"""A rate limit per machine client (DRF throttling, in the ``default`` cache like django-ratelimit's counters):
``settings.API_CLIENT_RATE`` calls per client (e.g. ``"600/m"``), counted per OAuth2 application whichever token
it uses. Browser sessions are not throttled here. Over the limit: 429 with a Dutch message and ``Retry-After``."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class ApiClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def get_rate(self) -> str:
        return str(settings.API_CLIENT_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = request.auth
        if not isinstance(token, AccessToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.application_id}

    def allow_request(self, request: Request, view: Any) -> bool:
        """True below the limit; raises Throttled (429, Dutch, Retry-After) above it."""
        if super().allow_request(request, view):
            return True
        wait = math.ceil(self.wait() or 1)
        exc = Throttled(
            detail=_("Too many requests from this API client. Try again in %(seconds)d seconds.") % {"seconds": wait}
        )
        exc.wait = wait  # type: ignore[attr-defined]
        raise exc
