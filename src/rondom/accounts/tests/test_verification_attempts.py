"""The professionals' second step cannot be raced (security probe, issue 12 finding 4): each TOTP comparison first
claims a try with one conditional UPDATE, so 30 wrong codes at once are compared at most five times per device;
after the limit even the right code waits for the cool-off; a code is accepted once; the step is rate limited (429);
and the session key changes when the second factor is proven (issue 12 finding 8)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.module_loading import import_string
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from rondom.accounts.verification import verify_totp
from tests.concurrency import at_once
from tests.factories import PASSWORD, MembershipFactory, UserFactory

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning; TOTP depends on the clock, so it is pinned
WRONG = "This code is not correct"


class _Counter:
    """Counts calls of a function from many threads."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.count += 1
            return function(*args, **kwargs)

        return counted


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _wrong(device: TOTPDevice) -> str:
    return "000000" if _code(device) != "000000" else "111111"


def _verify(device: TOTPDevice, token: str) -> str:
    with translation.override("en"):
        try:
            verify_totp(device, token)
        except ValidationError as exc:
            return str(exc.messages[0])
    return "ok"


def test_thirty_wrong_totp_codes_at_once_are_compared_at_most_five_times(committed_rows) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    committed_rows.append(user)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    comparisons = _Counter()
    with time_machine.travel(NOW, tick=False), mock.patch.object(TOTP, "verify", comparisons.wrap(TOTP.verify)):
        wrong = _wrong(device)
        outcomes = at_once(30, lambda: _verify(TOTPDevice.objects.get(pk=device.pk), wrong))
    assert 1 <= comparisons.count <= settings.VERIFY_ATTEMPTS == 5, outcomes
    assert all(str(o).startswith((WRONG, "Too many wrong codes")) for o in outcomes), outcomes
    assert sum(str(o).startswith(WRONG) for o in outcomes) == comparisons.count
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 5


def test_the_same_right_totp_code_twice_at_once_is_accepted_once(committed_rows) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    committed_rows.append(user)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    with time_machine.travel(NOW, tick=False):
        code = _code(device)
        outcomes = at_once(2, lambda: _verify(TOTPDevice.objects.get(pk=device.pk), code))
    assert sorted(outcomes) == sorted(["ok", "This code is not correct or has expired."])  # type: ignore[type-var]


@pytest.mark.django_db
def test_after_five_wrong_totp_codes_the_right_one_waits_for_the_cool_off() -> None:
    device = TOTPDevice.objects.create(user=UserFactory(), name="phone", confirmed=True)
    with time_machine.travel(NOW, tick=False):
        for _ in range(5):
            assert _verify(device, _wrong(device)).startswith(WRONG)
        assert _verify(device, _code(device)) == "Too many wrong codes. Wait 15 minutes and try again."
    later = NOW + timedelta(minutes=settings.VERIFY_COOLOFF_MINUTES, seconds=1)
    with time_machine.travel(later, tick=False):
        assert _verify(device, _code(device)) == "ok"
        device.refresh_from_db()
        assert device.throttling_failure_count == 0
        assert _verify(device, _code(device)) == "This code is not correct or has expired."  # used once


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)  # the whole visit: TOTP codes and session expiry follow the clock
def test_a_wrong_code_is_refused_in_dutch_and_the_step_is_rate_limited(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.VERIFY_RATE_LIMIT = "3/m"
    user = MembershipFactory(role="intern_begeleider").user
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    first = client.post("/accounts/tweestaps/", {"token": _wrong(device)})
    assert first.status_code == 200 and "klopt niet" in first.content.decode()
    client.post("/accounts/tweestaps/", {"token": _wrong(device)})
    client.post("/accounts/tweestaps/", {"token": _wrong(device)})
    blocked = client.post("/accounts/tweestaps/", {"token": _code(device)})
    assert blocked.status_code == 429 and "Te veel pogingen" in blocked.content.decode()
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 3  # the blocked request compared nothing
    assert client.get("/api/children/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("step", ["verify", "setup"])
@time_machine.travel(NOW, tick=False)
def test_the_session_key_changes_at_the_two_factor_step_and_the_old_key_no_longer_works(client, step: str) -> None:  # type: ignore[no-untyped-def]
    user = MembershipFactory(role="intern_begeleider").user
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    if step == "verify":
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        url = "/accounts/tweestaps/"
    else:
        client.get("/accounts/tweestaps/instellen/")
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        url = "/accounts/tweestaps/instellen/"
    before = client.session.session_key
    assert client.post(url, {"token": _code(device)}).status_code == 302
    after = client.session.session_key
    assert before and after and before != after
    store: type[SessionBase] = import_string(settings.SESSION_ENGINE + ".SessionStore")
    assert not store().exists(before)
    assert client.get("/api/children/").status_code == 200
    client.cookies[settings.SESSION_COOKIE_NAME] = before  # someone who fixed or stole the old key
    assert client.get("/api/children/").status_code == 403


def test_thirty_wrong_passwords_at_once_are_compared_at_most_as_often_as_the_lockout_allows(committed_rows) -> None:  # type: ignore[no-untyped-def]
    from axes.models import AccessAttempt, AccessFailureLog
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    from rondom.accounts.models import User

    user = UserFactory()
    committed_rows.append(user)
    comparisons = _Counter()
    try:
        with mock.patch.object(User, "check_password", comparisons.wrap(User.check_password)):
            outcomes = at_once(
                30,
                lambda: authenticate(
                    RequestFactory().post("/accounts/login/"), username=user.username, password="not-the-password"
                ),
            )
        assert all(o is None for o in outcomes), outcomes
        assert 1 <= comparisons.count <= settings.AXES_FAILURE_LIMIT == 5
        # The right password now meets the lockout too, without being compared.
        before = comparisons.count
        with mock.patch.object(User, "check_password", comparisons.wrap(User.check_password)):
            request = RequestFactory().post("/accounts/login/")
            assert authenticate(request, username=user.username, password=PASSWORD) is None
        assert comparisons.count == before
    finally:
        AccessAttempt.objects.filter(username=user.username).delete()
        AccessFailureLog.objects.filter(username=user.username).delete()


@pytest.mark.django_db
def test_a_successful_login_clears_the_password_tries(client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    for _ in range(4):
        client.post("/accounts/login/", {"username": user.username, "password": "not-the-password"})
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(4):
        client.post("/accounts/login/", {"username": user.username, "password": "not-the-password"})
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
