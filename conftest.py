from __future__ import annotations

import pytest
from django.test import Client

from rondom.accounts.models import User
from tests.conftest_helpers import verified_client

pytest_plugins = ["tests.concurrency"]  # the concurrent_db fixture for tests with real threads


@pytest.fixture
def login(client: Client):  # type: ignore[no-untyped-def]
    def _login(user: User, *, verified: bool = True) -> Client:
        return verified_client(client, user, verified=verified)

    return _login
