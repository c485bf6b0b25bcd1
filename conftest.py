from __future__ import annotations

import pytest
from django.test import Client

from rondom.accounts.models import User
from tests.conftest_helpers import verified_client

pytest_plugins = ["tests.concurrency"]  # committed_rows: fixtures for tests that race database connections


@pytest.fixture
def login(client: Client):  # type: ignore[no-untyped-def]
    def _login(user: User, *, verified: bool = True) -> Client:
        return verified_client(client, user, verified=verified)

    return _login


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Every test starts with empty rate-limit counters: all test requests come from 127.0.0.1, and the local
    memory cache would otherwise carry one test's login attempts into the next (a 429 depending on test order)."""
    from django.core.cache import cache

    cache.clear()
