from __future__ import annotations

import pytest

from tests.shared_data import FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    """Every demo build here hashes the 16 demo logins' passwords (argon2: most of the time of `data.load()`); no
    test here is about passwords or logs in with one, so new passwords are hashed fast (tests/shared_data.py)."""
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS
