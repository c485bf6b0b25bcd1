"""Issue 14 point 9: an irreversible decision asks for confirmation. The allocation round's decision shows what it
fixes next to a required "Ik weet dat dit niet terug kan"; without the tick nothing is decided and the page says why
in Dutch; the same decision sent twice changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from rondom.accounts.models import User
from rondom.funding.models import AllocationRound
from rondom.funding.tests.test_pages import URL, compute_page
from rondom.funding.tests.test_rounds import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(login):  # type: ignore[no-untyped-def]
    def _as(user: User) -> Client:
        client: Client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def _advised(as_user: Any) -> tuple[Any, str]:  # type: ignore[no-untyped-def]
    world = build_world()
    compute_page(world, as_user)
    query = f"{URL}?year={world.year}"
    assert as_user(world.bestuur).post(query, {"action": "advise", "advice": "Akkoord, Bloz."}).status_code == 302
    gemeente = as_user(world.gemeente)
    gemeente.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    return gemeente, query


def test_the_decision_form_shows_what_will_be_decided_and_a_required_confirmation(as_user) -> None:  # type: ignore[no-untyped-def]
    gemeente, query = _advised(as_user)
    html = gemeente.get(query).content.decode()
    form = html.split('id="decision-form"')[1].split("</form>")[0]
    summary = form.split('id="decision-summary"')[1].split("</div>")[0]
    assert "U stelt de verdeling" in summary and "uur per week" in summary and "€ " in summary
    assert "niet meer worden gewijzigd" in summary
    assert 'type="checkbox" name="confirm"' in form and "required" in form.split('name="confirm"')[1].split(">")[0]
    assert "Ik weet dat dit niet terug kan" in form


def test_without_the_confirmation_nothing_is_decided_and_a_dutch_message_says_why(as_user) -> None:  # type: ignore[no-untyped-def]
    gemeente, query = _advised(as_user)
    before = AllocationRound.objects.values().get()
    refused = gemeente.post(query, {"action": "decide", "decision_note": "Vastgesteld in het college."})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert "Vink aan dat u weet dat dit besluit niet terug kan. Er is nog niets besloten." in html
    assert "Vastgesteld in het college." in html  # what the user typed is kept
    assert AllocationRound.objects.values().get() == before


def test_the_same_decision_sent_twice_changes_nothing(as_user) -> None:  # type: ignore[no-untyped-def]
    gemeente, query = _advised(as_user)
    decision = {"action": "decide", "decision_note": "Vastgesteld in het college.", "confirm": "on"}
    assert gemeente.post(query, decision).status_code == 302
    decided = AllocationRound.objects.values().get()
    assert decided["decided_at"] is not None
    again = gemeente.post(query, decision)
    assert again.status_code == 302
    assert AllocationRound.objects.values().get() == decided
    other = gemeente.post(query, {**decision, "decision_note": "Toch anders."})
    assert other.status_code == 400 and "kan niet meer veranderd" in other.content.decode()
    assert AllocationRound.objects.values().get() == decided
