"""The daily pass (rondom.swv.expiry): the school's intern begeleider hears of an arrangement not started by its
start_by and of a validity ending within settings.SWV_EXPIRY_NOTICE_DAYS, once each, on pinned days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rondom.notifications.models import Notification
from rondom.swv.expiry import notify_due
from rondom.swv.models import RequestKind, RequestState

from .loket_world import request_for, world

pytestmark = pytest.mark.django_db

DAY = date(2027, 3, 10)


def test_an_arrangement_not_started_by_start_by_is_noticed_the_day_after() -> None:
    w = world()
    request = request_for(
        w,
        RequestKind.ARRANGEMENT,
        state=RequestState.GRANTED,
        start_by=DAY,
        valid_from=DAY - timedelta(weeks=8),
        valid_until=DAY + timedelta(days=200),
    )
    assert notify_due(DAY).not_started == 0  # start_by itself is still in time
    assert notify_due(DAY + timedelta(days=1)).not_started == 1
    notice = Notification.objects.get(recipient=w.ib.user, key=f"swv-not-started:{request.pk}")
    assert w.child.given_name not in notice.title  # no name in a title that goes by e-mail
    assert notify_due(DAY + timedelta(days=2)).not_started == 0  # once
    request.refresh_from_db()
    assert request.start_notice_sent_on == DAY + timedelta(days=1)


def test_a_started_arrangement_is_not_noticed() -> None:
    w = world()
    request_for(w, RequestKind.ARRANGEMENT, state=RequestState.GRANTED, start_by=DAY, started_on=DAY)
    assert notify_due(DAY + timedelta(days=5)).not_started == 0


def test_a_tlv_is_noticed_the_configured_days_before_it_ends(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SWV_EXPIRY_NOTICE_DAYS = 42
    w = world()
    request = request_for(
        w,
        RequestKind.TLV,
        state=RequestState.GRANTED,
        valid_from=DAY - timedelta(days=700),
        valid_until=DAY + timedelta(days=42),
    )
    assert notify_due(DAY - timedelta(days=1)).expiring == 0
    assert notify_due(DAY).expiring == 1
    assert Notification.objects.filter(recipient=w.ib.user, key=f"swv-expiring:{request.pk}").count() == 1
    assert notify_due(DAY + timedelta(days=1)).expiring == 0


def test_refused_and_ended_requests_are_not_noticed() -> None:
    w = world()
    request_for(w, RequestKind.TLV, state=RequestState.REFUSED, valid_until=DAY + timedelta(days=5))
    request_for(
        w,
        RequestKind.ARRANGEMENT,
        state=RequestState.GRANTED,
        started_on=DAY - timedelta(days=60),
        ended_on=DAY - timedelta(days=1),
        valid_until=DAY + timedelta(days=5),
        start_by=DAY,
    )
    due = notify_due(DAY)
    assert (due.not_started, due.expiring) == (0, 0)


def test_the_scheduled_task_runs_the_pass_on_its_day(settings) -> None:  # type: ignore[no-untyped-def]
    import time_machine

    from rondom.swv.tasks import swv_expiry_task

    assert settings.SCHEDULED_TASKS["rondom.swv.tasks.swv_expiry_task"] == 24 * 3600
    w = world()
    request_for(w, RequestKind.ARRANGEMENT, state=RequestState.GRANTED, start_by=DAY)
    with time_machine.travel(datetime(2027, 3, 11, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        assert swv_expiry_task.call() == {"not_started": 1, "expiring": 0}
