"""Expensive test data built once per module (or session) instead of once per test.

``built_once`` runs a builder inside an outer transaction that stays open while the tests of the scope run, and
rolls it back afterwards. Each test marked ``django_db`` then runs inside its own savepoint on top of the data
(pytest-django's ``TestCase`` atomics nest), so what one test writes is rolled back before the next one starts and
every test sees exactly the data the builder made, in any order, under pytest-xdist (each worker builds its own)
and on SQLite as on PostgreSQL. Tests that flush the database (``transactional_db``) cannot run on top of it: keep
them out of modules that use this.

Use it from a fixture of the wider scope that depends on ``django_db_setup``::

    @pytest.fixture(scope="module")
    def _population(django_db_setup, django_db_blocker):
        with built_once(django_db_blocker, lambda: population.generate(scale=0.02)) as report:
            yield report

and let the tests (function scope, marked ``django_db``) request it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import transaction

T = TypeVar("T")


@contextmanager
def built_once(django_db_blocker: Any, build: Callable[[], T]) -> Iterator[T]:
    """Run `build` in an outer transaction, yield its result while the scope's tests run, then roll it back."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # Like the atomics of Django's TestCase: code under test may open a durable block on top of it.
        outer._from_testcase = True
        outer.__enter__()
        try:
            value = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield value
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


#: For tests that build the demo (16 logins) without being about passwords: new passwords are hashed with MD5
#: (fast), hashes made with the real hashers still verify (argon2 stays in the list). The project's own hasher
#: is specified in rondom/accounts/tests/test_two_factor_and_login.py; the demo's servers (tests/e2e, the API
#: contract test) keep the real settings.
FAST_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
