"""The family's e-mail code cannot be raced (security probe, issue 12 finding 4): a try is counted atomically
before every comparison, so 30 wrong codes at once are compared at most five times; a right code works once; asking
for new codes and trying codes are rate limited with a 429 and a Dutch message; the session key changes at the code
step."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from rondom.portal import services
from rondom.portal.models import LoginCode
from tests.concurrency import at_once  # the fixture committed_rows comes from there too (conftest)
from tests.factories import PASSWORD, GuardianshipFactory, UserFactory

WRONG = "This code is not right"


def _code(user, code: str = "123456") -> LoginCode:  # type: ignore[no-untyped-def]
    return LoginCode.objects.create(
        user=user, code_hash=services._hash(code), expires_at=timezone.now() + timedelta(minutes=10)
    )


def _check(user, code: str) -> None:  # type: ignore[no-untyped-def]
    with translation.override("en"):
        services.check_code(user, code)


def _outcomes(results: list[object]) -> list[str]:
    return [r.messages[0] if isinstance(r, ValidationError) else repr(r) for r in results]


def test_thirty_wrong_codes_at_once_are_compared_at_most_five_times(committed_rows) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    committed_rows.append(user)
    login_code = _code(user)
    compared = []  # the code hashed for a comparison: one entry per comparison (list.append is thread-safe)
    real_hash = services._hash
    with mock.patch.object(services, "_hash", lambda code: compared.append(code) or real_hash(code)):
        outcomes = _outcomes(at_once(30, lambda: _check(user, "000000")))
    assert 1 <= len(compared) <= settings.VERIFY_ATTEMPTS == 5, outcomes
    assert all(o.startswith(WRONG) or o.startswith("Too many tries") for o in outcomes), outcomes
    assert sum(o.startswith(WRONG) for o in outcomes) == len(compared)
    login_code.refresh_from_db()
    assert login_code.attempts == 5 and login_code.used_at is None


def test_a_right_code_sent_twice_at_once_is_accepted_once(committed_rows) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    committed_rows.append(user)
    _code(user, "654321")
    outcomes = at_once(2, lambda: _check(user, "654321"))
    assert sorted(map(str, _outcomes(outcomes))) == sorted(["None", "This code no longer works. Ask for a new code."])


@pytest.mark.django_db
def test_after_five_wrong_codes_even_the_right_code_is_refused() -> None:
    user = UserFactory()
    _code(user, "222222")
    for _ in range(5):
        with pytest.raises(ValidationError, match=WRONG):
            _check(user, "000000")
    with pytest.raises(ValidationError, match="Too many tries"):
        _check(user, "222222")
    assert LoginCode.objects.get(user=user).used_at is None


@pytest.fixture
def at_the_code_step(client):  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    parent = GuardianshipFactory(user__email="ouder@example.org").user
    client.post("/portaal/inloggen/", {"username": parent.username, "password": PASSWORD})
    return client


@pytest.mark.django_db
def test_asking_for_a_new_code_too_often_answers_429_in_dutch(at_the_code_step, settings) -> None:  # type: ignore[no-untyped-def]
    settings.NEW_CODE_RATE_LIMIT = "3/10m"
    assert len(mail.outbox) == 1  # the login sent the first code; it counts towards the same limit
    statuses = [at_the_code_step.get("/portaal/code/?nieuw=1").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert len(mail.outbox) == 3  # the third request sent nothing
    page = at_the_code_step.get("/portaal/code/?nieuw=1")
    assert page.status_code == 429 and "te vaak om een code gevraagd" in page.content.decode()


@pytest.mark.django_db
def test_trying_codes_too_fast_answers_429_in_dutch_without_comparing(at_the_code_step, settings) -> None:  # type: ignore[no-untyped-def]
    settings.VERIFY_RATE_LIMIT = "3/m"
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    wrong = "000000" if code != "000000" else "111111"
    statuses = [at_the_code_step.post("/portaal/code/", {"code": wrong}).status_code for _ in range(3)]
    refused = at_the_code_step.post("/portaal/code/", {"code": code})
    assert statuses == [400, 400, 400]
    assert refused.status_code == 429 and "te veel codes geprobeerd" in refused.content.decode()
    assert LoginCode.objects.get(used_at__isnull=True).attempts <= 3  # the refused request compared nothing
    assert at_the_code_step.get("/portaal/").status_code == 302


@pytest.mark.django_db
def test_the_session_key_changes_at_the_code_step_and_the_old_key_no_longer_works(at_the_code_step) -> None:  # type: ignore[no-untyped-def]
    before = at_the_code_step.session.session_key
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    assert at_the_code_step.post("/portaal/code/", {"code": code})["Location"] == "/portaal/"
    after = at_the_code_step.session.session_key
    assert before and after and before != after
    store: type[SessionBase] = import_string(settings.SESSION_ENGINE + ".SessionStore")
    assert not store().exists(before)
    at_the_code_step.cookies[settings.SESSION_COOKIE_NAME] = before  # an attacker who fixed the old key
    assert at_the_code_step.get("/portaal/").status_code == 302


# --- One limit on issuing codes, from the login and from "send a new code" (security probe 2, finding 1) -----

MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _log_in(client, user):  # type: ignore[no-untyped-def]
    return client.post("/portaal/inloggen/", {"username": user.username, "password": PASSWORD})


@pytest.fixture
def parent(client):  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    return GuardianshipFactory(user__email="ouder@example.org").user


@pytest.mark.django_db
def test_six_logins_in_a_row_issue_at_most_three_codes_and_the_fourth_answers_429_in_dutch(
    client, parent, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.NEW_CODE_RATE_LIMIT = "3/10m"
    with time_machine.travel(MORNING, tick=False):
        responses = [_log_in(client, parent) for _ in range(6)]
    assert [r.status_code for r in responses] == [302, 302, 302, 429, 429, 429]
    assert len(mail.outbox) == 3 and LoginCode.objects.filter(user=parent).count() == 3
    assert "te vaak om een code gevraagd" in responses[3].content.decode()


@pytest.mark.django_db
def test_a_refused_login_keeps_the_previous_code_working_without_resetting_its_tries(client, parent, settings) -> None:  # type: ignore[no-untyped-def]
    settings.NEW_CODE_RATE_LIMIT = "3/10m"
    with time_machine.travel(MORNING, tick=False):
        for _ in range(3):
            _log_in(client, parent)
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(2):
            assert client.post("/portaal/code/", {"code": wrong}).status_code == 400
        assert _log_in(client, parent).status_code == 429
        latest = LoginCode.objects.filter(user=parent).order_by("-created_at", "-pk").first()
        assert latest is not None and latest.attempts == 2 and latest.used_at is None  # not reset, not replaced
        assert client.post("/portaal/code/", {"code": code})["Location"] == "/portaal/"


@pytest.mark.django_db
def test_logins_and_new_code_requests_share_one_limit(client, parent, settings) -> None:  # type: ignore[no-untyped-def]
    settings.NEW_CODE_RATE_LIMIT = "3/10m"
    with time_machine.travel(MORNING, tick=False):
        assert _log_in(client, parent).status_code == 302
        assert client.get("/portaal/code/?nieuw=1").status_code == 200
        assert _log_in(client, parent).status_code == 302
        assert client.get("/portaal/code/?nieuw=1").status_code == 429
        assert _log_in(client, parent).status_code == 429
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_after_the_window_a_login_issues_a_code_again(client, parent, settings) -> None:  # type: ignore[no-untyped-def]
    settings.NEW_CODE_RATE_LIMIT = "3/10m"
    with time_machine.travel(MORNING, tick=False):
        for _ in range(4):
            _log_in(client, parent)
    with time_machine.travel(MORNING + timedelta(minutes=10, seconds=1), tick=False):
        assert _log_in(client, parent).status_code == 302
    assert len(mail.outbox) == 4


def test_ten_code_requests_at_once_issue_at_most_three_codes(committed_rows, settings) -> None:  # type: ignore[no-untyped-def]
    settings.NEW_CODE_RATE_LIMIT = "3/10m"
    user = UserFactory(email="ouder@example.org")
    committed_rows.append(user)

    def issue() -> str:
        try:
            services.send_code(user)
        except services.TooManyCodes:
            return "refused"
        return "sent"

    outcomes = at_once(10, issue)
    assert outcomes.count("sent") == LoginCode.objects.filter(user=user).count() <= 3, outcomes
    assert outcomes.count("sent") + outcomes.count("refused") == 10, outcomes


@pytest.mark.parametrize(("rate", "expected"), [("3/10m", (3, 600)), ("5/h", (5, 3600)), ("2/30s", (2, 30))])
def test_the_code_limit_reads_the_django_ratelimit_notation(rate: str, expected: tuple[int, int]) -> None:
    count, window = services.code_limit(rate)
    assert (count, window.total_seconds()) == expected


def test_a_malformed_code_limit_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="RONDOM_NEW_CODE_RATE"):
        services.code_limit("three per minute")


@pytest.mark.django_db
def test_a_family_signed_in_through_the_staff_login_gets_a_new_code_when_the_last_one_is_used(client) -> None:  # type: ignore[no-untyped-def]
    """The staff login page (/accounts/login/) sends no code; the code page then sends one unless a code that still
    works is waiting. A code of an earlier login that was used (or expired) does not count: the family would be stuck
    with no code to type (found by the issue 16 browser tests)."""
    user = GuardianshipFactory().user
    user.email = "ouder@example.invalid"
    user.save(update_fields=["email"])
    earlier = _code(user)
    LoginCode.objects.filter(pk=earlier.pk).update(used_at=timezone.now())
    mail.outbox.clear()
    signed_in = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=True)
    assert signed_in.redirect_chain[-1][0] == "/portaal/code/"
    assert len(mail.outbox) == 1
    assert client.get("/portaal/code/").status_code == 200  # the new code still works: no second e-mail
    assert len(mail.outbox) == 1
