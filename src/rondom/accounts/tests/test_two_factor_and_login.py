"""Professionals log in with a second factor; repeated failures lock the account; passwords use argon2."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, ChildFactory, GuardianshipFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["teacher", "intern_begeleider", "functional_admin"])
def test_professionals_without_second_factor_reach_no_page_or_api(role: str, login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    user = MembershipFactory(organisation=child.school, role=role).user
    client = login(user, verified=False)
    response = client.get(f"/kinderen/{child.pk}/")
    assert response.status_code == 302 and response["Location"] == "/accounts/tweestaps/"
    assert client.get(f"/api/children/{child.pk}/").status_code == 403
    assert client.get("/api/children/").status_code == 403


def test_a_professional_logs_in_with_password_and_totp_code(client) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    user = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(f"/kinderen/{child.pk}/").status_code == 302
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post("/accounts/tweestaps/", {"token": code}).status_code == 302
    assert client.get(f"/kinderen/{child.pk}/").status_code == 200


@time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False)  # TOTP codes and sessions follow the clock
def test_a_wrong_code_is_refused_and_further_attempts_are_throttled(client) -> None:  # type: ignore[no-untyped-def]
    user = MembershipFactory(role="intern_begeleider").user
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    code = f"{totp(device.bin_key):06d}"
    wrong = "000000" if code != "000000" else "111111"
    first = client.post("/accounts/tweestaps/", {"token": wrong})
    assert first.status_code == 200 and "klopt niet" in first.content.decode()
    for _ in range(4):
        client.post("/accounts/tweestaps/", {"token": wrong})
    # After five wrong codes even the right code is refused until the cool-off has passed.
    refused = client.post("/accounts/tweestaps/", {"token": code})
    assert refused.status_code == 200 and "Te veel verkeerde codes" in refused.content.decode()
    assert client.get("/api/children/").status_code == 403


def test_a_professional_without_a_device_must_set_one_up_first(client) -> None:  # type: ignore[no-untyped-def]
    user = MembershipFactory(role="teacher").user
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert client.get("/accounts/tweestaps/")["Location"] == "/accounts/tweestaps/instellen/"
    page = client.get("/accounts/tweestaps/instellen/")
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = f"{totp(device.bin_key):06d}"
    assert client.post("/accounts/tweestaps/instellen/", {"token": code}).status_code == 302
    assert TOTPDevice.objects.get(user=user).confirmed


def test_parents_confirm_their_login_with_an_e_mail_code_instead_of_totp(client) -> None:  # type: ignore[no-untyped-def]
    import re

    from django.core import mail

    guardianship = GuardianshipFactory(user__email="ouder@example.org")
    client.post("/accounts/login/", {"username": guardianship.user.username, "password": PASSWORD})
    assert client.get(f"/api/children/{guardianship.child.pk}/").status_code == 403
    assert client.get("/kinderen/")["Location"] == "/portaal/code/"
    client.get("/portaal/code/")  # sends the code
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    client.post("/portaal/code/", {"code": code})
    assert client.get(f"/api/children/{guardianship.child.pk}/").status_code == 200


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failed_logins_lock_the_account(client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    for _ in range(3):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong password"})
    locked = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2() -> None:
    assert make_password("een wachtwoord").startswith("argon2")


def test_sessions_expire_after_idle_time(settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    # Renewed on activity, at most a minute apart (tests/test_session_renewal.py: never later than the idle age).
    session = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert settings.MIDDLEWARE[session + 1] == "rondom.config.middleware.SessionRenewalMiddleware"
    assert 0 < settings.SESSION_RENEW_SECONDS <= 60


def test_the_admin_uses_the_same_login_with_two_factor(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.post("/accounts/login/", {"username": staff.username, "password": PASSWORD})
    assert client.get("/admin/")["Location"] == "/accounts/tweestaps/"
