"""Every refusal of the thuiszitter forms comes back as a Dutch message on the page with the form, nothing changes,
and never a server error (issue 11 point 10: escalating at the top rung answered 500)."""

# ruff: noqa: F811  (people is a fixture shared with test_escalation)
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext, override

from rondom.thuiszitters import services
from rondom.thuiszitters.models import Thuiszitter

from .test_escalation import START, _register, people  # noqa: F401

pytestmark = pytest.mark.django_db
LATER = START + timedelta(days=2)


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 9, 9, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


def _dutch(msgid: str) -> str:
    with override("nl"):
        found = gettext(msgid)
    assert found != msgid, f"no Dutch text for {msgid!r}"
    return found


def _at_top(people: dict[str, Any]) -> Thuiszitter:
    period = _register(people)
    services.escalate_due(START + timedelta(days=365))  # rung 4: the stuurgroep/wethouder, the gemeente decides
    period.refresh_from_db()
    assert services.at_top(period)
    return period


def _ended(people: dict[str, Any]) -> Thuiszitter:
    period = _register(people)
    services.end(people["ib"], period, ended_on=START, note="", today=START)
    return period


def _open(people: dict[str, Any]) -> Thuiszitter:
    return _register(people)


def _state(period: Thuiszitter) -> tuple[Any, ...]:
    period.refresh_from_db()
    return (
        period.level_id,
        period.ended_on,
        period.decided,
        period.steps.count(),
        period.decisions.count(),
        period.interim_arrangements.count(),
        period.visits.count(),
    )


REFUSALS: list[tuple[str, Callable[[dict[str, Any]], Thuiszitter], str, str, dict[str, str], str]] = [
    # (name, setup, actor, action, fields, the message the service gives)
    (
        "escalate_at_the_top_rung",
        _at_top,
        "gemeente",
        "escalate",
        {"reason": "Geen passend aanbod."},
        "This is the highest level of the ladder.",
    ),
    (
        "escalate_after_the_end",
        _ended,
        "ib",
        "escalate",
        {"reason": "Geen passend aanbod."},
        "This child is back at school; the ladder has ended.",
    ),
    (
        "decide_after_the_end",
        _ended,
        "ib",
        "decide",
        {"outcome": "arrangement", "decision": "Arrangement."},
        "This child is back at school; the ladder has ended.",
    ),
    (
        "interim_before_the_child_was_at_home",
        _open,
        "lpa",
        "interim",
        {
            "description": "Les thuis.",
            "provided_by": "Trias",
            "starts_on": (START - timedelta(days=90)).isoformat(),
            "payment_pending_between": "gemeente en SWV",
        },
        "The arrangement cannot start before the child was at home.",
    ),
    (
        "interim_after_the_end",
        _ended,
        "lpa",
        "interim",
        {
            "description": "Les thuis.",
            "provided_by": "Trias",
            "starts_on": START.isoformat(),
            "payment_pending_between": "gemeente en SWV",
        },
        "This child is back at school; the ladder has ended.",
    ),
    (
        "visit_in_the_future",
        _open,
        "lpa",
        "visit",
        {"visited_on": (LATER + timedelta(days=3)).isoformat(), "note": ""},
        "The date lies in the future.",
    ),
    (
        "visit_before_the_child_was_at_home",
        _open,
        "lpa",
        "visit",
        {"visited_on": (START - timedelta(days=60)).isoformat(), "note": ""},
        "The visit cannot be before the child was at home.",
    ),
    (
        "end_twice",
        _ended,
        "ib",
        "end",
        {"ended_on": START.isoformat(), "note": ""},
        "This period has already ended.",
    ),
    (
        "end_in_the_future",
        _open,
        "ib",
        "end",
        {"ended_on": (LATER + timedelta(days=3)).isoformat(), "note": ""},
        "The date lies in the future.",
    ),
    (
        "end_before_the_start",
        _open,
        "ib",
        "end",
        {"ended_on": (START - timedelta(days=60)).isoformat(), "note": ""},
        "The end lies before the start.",
    ),
]


@pytest.mark.parametrize(
    ("name", "setup", "actor", "action", "fields", "message"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_each_refusal_of_a_thuiszitter_form_is_a_dutch_message_on_the_page_and_changes_nothing(  # type: ignore[no-untyped-def]
    people, login, name, setup, actor, action, fields, message
) -> None:
    period = setup(people)
    before = _state(period)
    url = reverse("thuiszitters:detail", args=[people["child"].pk, period.pk])
    response = login(people[actor]).post(url, {"action": action, **fields})
    assert response.status_code == 400  # the page with the form again, never a 500
    assert escape(_dutch(message)) in response.content.decode()
    assert f'name="action" value="{action}"' in response.content.decode()  # the form is shown with its message
    assert _state(period) == before


def test_refusing_to_register_a_child_twice_is_a_dutch_message_on_the_form(people, login) -> None:  # type: ignore[no-untyped-def]
    _register(people)
    response = login(people["ib"]).post(
        reverse("thuiszitters:register", args=[people["child"].pk]),
        {"kind": "relative", "reason": "waiting_care", "started_on": START.isoformat()},
    )
    assert response.status_code == 409  # Conflict: the period exists (registered before, or at the same moment)
    assert escape(_dutch("This child is already in the register.")) in response.content.decode()
    assert Thuiszitter.objects.count() == 1


def test_the_top_rung_offers_no_escalation_button(people, login) -> None:  # type: ignore[no-untyped-def]
    period = _at_top(people)
    page = login(people["gemeente"]).get(reverse("thuiszitters:detail", args=[people["child"].pk, period.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'value="decide"' in content and 'value="escalate"' not in content
