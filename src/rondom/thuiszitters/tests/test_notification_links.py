"""A notification whose page no longer opens for its reader (the period ended, so the wijkteam's escalation
ground did) is shown without its link, and opening it anyway leads back to the list with a message, not to a 404
(issue 11 point 10: lists never link to what the user can no longer open)."""

# ruff: noqa: F811  (people is a fixture shared with test_escalation)
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from rondom.notifications.models import Notification
from rondom.thuiszitters import services

from .test_escalation import START, _register, people  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 10, 1, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


def _reached_the_wijkteam(people):  # type: ignore[no-untyped-def]
    period = _register(people)
    services.escalate_due(period.deadline + timedelta(days=1))  # rung 2: the wijkteam decides, and is told
    notification = Notification.objects.get(recipient=people["wijkteam"])
    assert notification.url == reverse("thuiszitters:detail", args=[people["child"].pk, period.pk])
    return period, notification


def test_a_notification_links_to_its_page_while_that_page_opens(people, login) -> None:  # type: ignore[no-untyped-def]
    _period, notification = _reached_the_wijkteam(people)
    client = login(people["wijkteam"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert reverse("notifications:open", args=[notification.pk]) in page
    opened = client.post(reverse("notifications:open", args=[notification.pk]))
    assert opened["Location"] == notification.url and client.get(notification.url).status_code == 200


def test_a_notification_whose_page_no_longer_opens_is_shown_without_its_link(people, login) -> None:  # type: ignore[no-untyped-def]
    period, notification = _reached_the_wijkteam(people)
    services.end(people["ib"], period, ended_on=START + timedelta(days=20), note="", today=START + timedelta(days=24))
    client = login(people["wijkteam"])
    assert client.get(notification.url).status_code == 404  # the escalation ground ended with the period
    page = client.get(reverse("notifications:list")).content.decode()
    assert reverse("notifications:open", args=[notification.pk]) not in page
    assert "niet meer voor u te openen" in page
    opened = client.post(reverse("notifications:open", args=[notification.pk]), follow=True)
    assert opened.status_code == 200 and opened.redirect_chain[-1][0] == reverse("notifications:list")
    assert "U kunt niet meer openen waar deze melding over ging." in opened.content.decode()
