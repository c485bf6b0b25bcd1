"""Handling an absence signal that was already handled is refused on the page, in Dutch — the page used to show
no message at all, as it hides the form once the signal is handled — and nothing changes (issue 11 point 10)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from rondom.attendance.models import AbsenceProtocol, AbsenceRecord
from rondom.attendance.services import evaluate, handle_signal
from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 10, 5)


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


def test_handling_a_handled_signal_again_is_a_dutch_message_on_the_form(login) -> None:  # type: ignore[no-untyped-def]
    AbsenceProtocol.objects.exclude(name__icontains="16 uur").update(active=False)
    child = ChildFactory()
    leerplicht = OrganisationFactory(kind="leerplicht", name="Leerplicht Zwolle")
    leerplicht.serves_municipalities.add(child.home_municipality)
    officer = MembershipFactory(organisation=leerplicht, role="leerplicht_officer").user
    for week in range(4):
        AbsenceRecord.objects.create(
            child=child, school=child.school, date=MONDAY + timedelta(weeks=week), kind="unauthorised", minutes=300
        )
    [signal] = evaluate(MONDAY + timedelta(weeks=4))
    handle_signal(officer, signal, "Ouders uitgenodigd.")
    signal.refresh_from_db()
    before = (signal.handled_at, signal.handled_note)
    url = reverse("attendance:signal", args=[child.pk, signal.pk])
    client = login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"  # this app's tests read English by default
    response = client.post(url, {"note": "Nog een keer."})
    assert response.status_code == 400
    assert escape("Dit signaal is al afgehandeld.") in response.content.decode()
    assert "Ouders uitgenodigd." in response.content.decode()  # the page shows how it was handled, no form
    signal.refresh_from_db()
    assert (signal.handled_at, signal.handled_note) == before
