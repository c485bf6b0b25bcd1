"""The session's idle expiry (docs/security.md, "session expiry"): renewed at most once per
SESSION_RENEW_SECONDS instead of a write on every request (issue 17, child page capacity), and a session left idle
for SESSION_COOKIE_AGE seconds still ends."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 9, 15, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
PAGE = "/meldingen/"


def _session_writes(client, path: str = PAGE) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    table = Session._meta.db_table
    return sum(1 for q in queries if table in q["sql"] and q["sql"].startswith(("UPDATE", "INSERT")))


def _expiry(client) -> datetime:  # type: ignore[no-untyped-def]
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_second_request_within_the_window_does_not_write_the_session_and_a_later_one_renews_it(login) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False) as clock:
        user = MembershipFactory(role="intern_begeleider").user  # a role from today on
        client = login(user)
        _session_writes(client)  # the first page renews (the login's session has no renewal mark yet)
        first = _expiry(client)
        clock.shift(timedelta(seconds=settings.SESSION_RENEW_SECONDS - 1))
        assert _session_writes(client) == 0
        assert _expiry(client) == first
        clock.shift(timedelta(seconds=1))
        assert _session_writes(client) == 1
        assert _expiry(client) == first + timedelta(seconds=settings.SESSION_RENEW_SECONDS)


def test_a_session_idle_for_the_cookie_age_after_its_last_renewal_ends_as_before(login) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False) as clock:
        user = MembershipFactory(role="intern_begeleider").user  # a role from today on
        client = login(user)
        client.get(PAGE)
        clock.shift(timedelta(seconds=settings.SESSION_RENEW_SECONDS - 1))
        client.get(PAGE)  # not renewed: the idle time counts from the renewal before it, never from later
        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE - settings.SESSION_RENEW_SECONDS + 2))
        response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_an_active_session_never_ends_while_requests_come_within_the_idle_age(login) -> None:  # type: ignore[no-untyped-def]
    step = timedelta(seconds=settings.SESSION_COOKIE_AGE - 1)
    with time_machine.travel(START, tick=False) as clock:
        user = MembershipFactory(role="intern_begeleider").user  # a role from today on
        client = login(user)
        client.get(PAGE)
        for _ in range(3):  # each request within the idle age of the one before
            clock.shift(step)
            assert client.get(PAGE).status_code == 200


def test_no_session_is_created_for_a_visitor_who_is_not_logged_in(client) -> None:  # type: ignore[no-untyped-def]
    client.get("/health")
    assert Session.objects.count() == 0 and settings.SESSION_COOKIE_NAME not in client.cookies
