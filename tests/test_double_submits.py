"""Double submits are idempotent: the same person creating the same thing again within the window gets the one
record that exists — a note, a signal, a consent, a family logbook entry — in the API and in the forms
(issue 12, finding 7). After the window, or with other content, it is a new record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from rondom.audit.models import AccessLogEntry
from rondom.cases.models import Signal
from rondom.consent.models import Consent
from rondom.registry.models import ChildNote
from tests.concurrency import concurrent, run_at_once
from tests.conftest_helpers import verified_client
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    born_years_ago,
    teacher_of,
)

NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
NOTE = {"category": "support", "text": "Gesprek met moeder: het gaat beter thuis."}


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def ib_and_child():  # type: ignore[no-untyped-def]
    child = ChildFactory()
    return MembershipFactory(organisation=child.school, role="intern_begeleider").user, child


@pytest.mark.django_db
def test_the_same_note_posted_twice_to_the_api_is_one_note_with_one_log_row(login, clock) -> None:  # type: ignore[no-untyped-def]
    ib, child = ib_and_child()
    client = login(ib)
    first = client.post(f"/api/children/{child.pk}/notes/", NOTE, content_type="application/json")
    again = client.post(f"/api/children/{child.pk}/notes/", NOTE, content_type="application/json")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert ChildNote.objects.count() == 1
    assert AccessLogEntry.objects.filter(child_id=child.pk, action="create", object_type="note").count() == 1


@pytest.mark.django_db
def test_the_same_note_from_the_form_twice_is_one_note(login, clock) -> None:  # type: ignore[no-untyped-def]
    ib, child = ib_and_child()
    client = login(ib)
    for _ in range(2):
        assert client.post(f"/kinderen/{child.pk}/aantekeningen/", NOTE).status_code == 302
    assert ChildNote.objects.count() == 1


@pytest.mark.django_db
def test_the_same_note_after_the_window_or_with_other_text_is_a_new_note(login, clock, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOUBLE_SUBMIT_SECONDS = 60
    ib, child = ib_and_child()
    client = login(ib)
    url = f"/api/children/{child.pk}/notes/"
    client.post(url, NOTE, content_type="application/json")
    client.post(url, {**NOTE, "text": "Een andere aantekening."}, content_type="application/json")
    clock.shift(timedelta(seconds=61))
    client.post(url, NOTE, content_type="application/json")
    assert ChildNote.objects.count() == 3


@pytest.mark.django_db
def test_another_person_writing_the_same_note_is_not_a_double_submit(login, clock) -> None:  # type: ignore[no-untyped-def]
    ib, child = ib_and_child()
    colleague = MembershipFactory(organisation=child.school, role="zorgcoordinator").user
    for person in (ib, colleague):
        login(person).post(f"/api/children/{child.pk}/notes/", NOTE, content_type="application/json")
    assert ChildNote.objects.count() == 2


@pytest.mark.django_db
def test_the_same_signal_twice_is_one_signal(login, clock) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    teacher = teacher_of(child).user
    client = login(teacher)
    body = {"raised_by_kind": "teacher", "concerns": ["attendance"], "description": "Vaak te laat deze maand."}
    answers = [client.post(f"/api/children/{child.pk}/signals/", body, content_type="application/json") for _ in "ab"]
    assert [a.status_code for a in answers] == [201, 201], answers[0].content
    assert answers[0].json()["id"] == answers[1].json()["id"] and Signal.objects.count() == 1
    other = client.post(
        f"/api/children/{child.pk}/signals/", {**body, "concerns": ["behaviour"]}, content_type="application/json"
    )
    assert other.status_code == 201 and Signal.objects.count() == 2


@pytest.mark.django_db
def test_the_same_consent_twice_is_one_consent(login, clock) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(date_of_birth=born_years_ago(9))
    mother, father = GuardianshipFactory(child=child), GuardianshipFactory(child=child)
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    body = {
        "purpose": "wijkteam",
        "categories": ["support"],
        "recipient": OrganisationFactory(kind="wijkteam").pk,
        "givers": [{"capacity": "parent", "guardianship": g.pk} for g in (mother, father)],
    }
    client = login(ib)
    answers = [client.post(f"/api/children/{child.pk}/consents/", body, content_type="application/json") for _ in "ab"]
    assert [a.status_code for a in answers] == [201, 201], answers[0].content
    assert Consent.objects.count() == 1


@pytest.mark.django_db
def test_the_same_logbook_entry_twice_is_one_entry(login, clock) -> None:  # type: ignore[no-untyped-def]
    youth = UserFactory()
    child = ChildFactory(date_of_birth=born_years_ago(13), youth_account=youth)
    client = login(youth)
    entry = {"action": "logbook", "text": "Vandaag de hele dag op school geweest."}
    for _ in range(2):
        client.post(f"/portaal/kind/{child.pk}/", entry)
    assert ChildNote.objects.filter(child=child, author=youth).count() == 1


@concurrent
def test_the_same_note_submitted_twice_at_the_same_moment_is_one_note() -> None:
    ib, child = ib_and_child()
    clients = [verified_client(Client(), ib) for _ in range(4)]
    url = f"/api/children/{child.pk}/notes/"
    answers = run_at_once([lambda c=c: c.post(url, NOTE, content_type="application/json") for c in clients])
    assert [a.status_code for a in answers] == [201] * 4  # type: ignore[union-attr]
    assert len({a.json()["id"] for a in answers}) == 1  # type: ignore[union-attr]
    assert ChildNote.objects.count() == 1
