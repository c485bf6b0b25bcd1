from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client

from rondom.accounts.models import User
from tests.conftest_helpers import verified_client

pytest_plugins = ["tests.concurrency"]  # committed_rows and concurrent_db: fixtures for tests that race connections


@pytest.fixture
def login(client: Client):  # type: ignore[no-untyped-def]
    def _login(user: User, *, verified: bool = True) -> Client:
        return verified_client(client, user, verified=verified)

    return _login


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with empty caches: rate-limit counters (django-ratelimit keeps them in the cache, per
    address and per user) never carry over from one test to the next, so no result depends on which tests ran
    before in the same pytest-xdist worker."""
    for cache in caches.all():
        cache.clear()
