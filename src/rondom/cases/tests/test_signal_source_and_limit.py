"""Who files a signal is its source (a parent cannot label a signal as the youth doctor's), and nobody files
signals without limit: beyond today's number the answer is 429 with a Dutch message and nothing is written
(issue 12 point 8)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from rondom.cases import services
from rondom.cases.models import Signal
from tests.factories import ChildFactory, GuardianshipFactory, MembershipFactory, teacher_of

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 11, 27, 9, 0, tzinfo=AMS), tick=False) as clock:
        yield clock


@pytest.fixture
def family():  # type: ignore[no-untyped-def]
    child = ChildFactory()
    return {
        "child": child,
        "parent": GuardianshipFactory(child=child).user,
        "teacher": teacher_of(child).user,
        "ib": MembershipFactory(organisation=child.school, role="intern_begeleider").user,
    }


def _api(client, child, **body):  # type: ignore[no-untyped-def]
    payload = {"concerns": ["behaviour"], "description": "Slaapt slecht sinds de verhuizing.", **body}
    return client.post(f"/api/children/{child.pk}/signals/", payload, content_type="application/json")


def test_a_parents_signal_is_the_parents_whatever_source_is_sent(family, login) -> None:  # type: ignore[no-untyped-def]
    client = login(family["parent"])
    for claimed in ("youth_doctor", "teacher", None):
        body = {"raised_by_kind": claimed} if claimed else {}
        response = _api(client, family["child"], **body)
        assert response.status_code == 201, response.content
        assert response.json()["raised_by_kind"] == "parent"
    assert set(Signal.objects.values_list("source", flat=True)) == {"parent"}


def test_a_teachers_signal_is_the_teachers_and_the_form_does_not_ask(family, login) -> None:  # type: ignore[no-untyped-def]
    client = login(family["teacher"])
    url = reverse("cases:signal-create", args=[family["child"].pk])
    assert 'name="source"' not in client.get(url).content.decode()
    response = client.post(url, {"source": "youth_doctor", "concerns": ["learning"], "description": "Leest slecht"})
    assert response.status_code == 302
    assert Signal.objects.get().source == "teacher"


def test_the_intern_begeleider_records_a_signal_from_someone_else_and_names_the_source(family, login) -> None:  # type: ignore[no-untyped-def]
    client = login(family["ib"])
    url = reverse("cases:signal-create", args=[family["child"].pk])
    assert 'name="source"' in client.get(url).content.decode()
    client.post(url, {"source": "gp", "concerns": ["social_emotional"], "description": "De huisarts belde."})
    assert Signal.objects.get().source == "gp"
    assert services.own_source(family["ib"], family["child"]) is None


def test_a_family_member_files_at_most_the_daily_number_of_signals(family, login, settings, _clock) -> None:  # type: ignore[no-untyped-def]
    settings.SIGNAL_DAILY_LIMIT_FAMILY = 3
    client = login(family["parent"])
    # Different worries (the same one twice would be a double submit, answered with the first signal).
    sent = [_api(client, family["child"], description=f"Zorg nummer {n}.").status_code for n in range(3)]
    assert sent == [201, 201, 201]
    refused = _api(client, family["child"], description="Nog een zorg.")
    assert refused.status_code == 429
    assert "3 signalen" in refused.json()["detail"]  # Dutch, with the number
    assert Signal.objects.count() == 3
    _clock.move_to(datetime(2026, 11, 28, 0, 30, tzinfo=AMS))  # a new day in the Netherlands
    client = login(family["parent"])  # the session of yesterday has expired
    assert _api(client, family["child"]).status_code == 201


def test_a_professional_beyond_the_daily_number_gets_the_form_back_with_429(family, login, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SIGNAL_DAILY_LIMIT = 2
    client = login(family["teacher"])
    url = reverse("cases:signal-create", args=[family["child"].pk])
    sent = [client.post(url, {"concerns": ["learning"], "description": f"Leest slecht ({n})"}) for n in range(2)]
    assert [response.status_code for response in sent] == [302, 302]
    form = {"concerns": ["learning"], "description": "Leest slecht"}
    refused = client.post(url, form)
    assert refused.status_code == 429
    assert "U hebt vandaag 2 signalen gemeld" in refused.content.decode()
    assert 'name="description"' in refused.content.decode() and Signal.objects.count() == 2
