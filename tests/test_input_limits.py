"""Inputs have limits: names without control characters and at most 100 characters, free text at most 20,000
characters, a plan at most 50 goals — refused with a Dutch message naming the field, nothing changed
(issue 12, finding 8)."""

from __future__ import annotations

import pytest

from rondom.cases.models import Plan
from rondom.limits import FREE_TEXT_MAX, PLAN_GOALS_MAX, has_control_characters, name_error
from rondom.registry.models import Child, ChildNote
from tests.factories import ChildFactory, MembershipFactory

pytestmark = pytest.mark.django_db
JSON = "application/json"


def ib_client(login, child: Child):  # type: ignore[no-untyped-def]
    return login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)


@pytest.mark.parametrize("name", ["Sa\x00ra", "Sa\x1bra", "Sara\u202e", "Sa\tra", "Sa\nra", "Sa\u200bra"])
def test_a_name_with_a_control_character_is_refused_and_nothing_changes(login, name: str) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(given_name="Sara")
    response = ib_client(login, child).patch(
        f"/api/children/{child.pk}/", {"given_name": name, "version": 1}, content_type=JSON
    )
    assert response.status_code == 400 and "given_name" in response.json()
    child.refresh_from_db()
    assert (child.given_name, child.version) == ("Sara", 1)


def test_a_name_with_dutch_letters_hyphen_and_apostrophe_is_accepted(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    response = ib_client(login, child).patch(
        f"/api/children/{child.pk}/", {"family_name": "van 't Hof-Çelik", "version": 1}, content_type=JSON
    )
    assert response.status_code == 200
    assert Child.objects.get().family_name == "van 't Hof-Çelik"


def test_a_name_longer_than_100_characters_is_refused(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    response = ib_client(login, child).patch(
        f"/api/children/{child.pk}/", {"family_name": "a" * 101, "version": 1}, content_type=JSON
    )
    assert response.status_code == 400 and "family_name" in response.json()


def test_a_note_of_more_than_20000_characters_is_refused_with_the_limit_named(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    client = ib_client(login, child)
    url = f"/api/children/{child.pk}/notes/"
    refused = client.post(url, {"category": "support", "text": "a" * (FREE_TEXT_MAX + 1)}, content_type=JSON)
    assert refused.status_code == 400 and "20000" in refused.json()["text"][0]
    accepted = client.post(url, {"category": "support", "text": "a" * FREE_TEXT_MAX}, content_type=JSON)
    assert accepted.status_code == 201
    assert ChildNote.objects.count() == 1


def test_a_one_megabyte_note_is_refused(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    response = ib_client(login, child).post(
        f"/api/children/{child.pk}/notes/", {"category": "support", "text": "a" * 1_000_000}, content_type=JSON
    )
    assert response.status_code == 400
    assert not ChildNote.objects.exists()


def test_a_note_from_the_form_is_held_to_the_same_limit(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    response = ib_client(login, child).post(
        f"/kinderen/{child.pk}/aantekeningen/",
        {"category": "support", "text": "a" * (FREE_TEXT_MAX + 1)},
        headers={"Accept-Language": "nl"},
    )
    # The record page again (400) with the error summary and the note as typed (issue 14: forms keep input).
    page = response.content.decode()
    assert response.status_code == 400 and "20000" in page and "Controleer het volgende" in page
    assert "a" * (FREE_TEXT_MAX + 1) + "</textarea>" in page
    assert not ChildNote.objects.exists()


def goals(n: int) -> list[dict[str, str]]:
    return [{"domain": "home", "description": f"Doel {i}", "target": "Kerst", "owner": "mentor"} for i in range(n)]


def test_a_plan_of_5000_goals_is_refused_and_50_are_accepted(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    client = ib_client(login, child)
    url = f"/api/children/{child.pk}/plan/"
    body = {"includes_treatment": False, "base_version": 0}
    refused = client.put(url, {**body, "goals": goals(5_000)}, content_type=JSON)
    assert refused.status_code == 400 and "goals" in refused.json()
    assert not Plan.objects.exists()
    assert client.put(url, {**body, "goals": goals(PLAN_GOALS_MAX)}, content_type=JSON).status_code == 200


def test_the_limits_hold_in_the_service_too() -> None:
    assert has_control_characters("a\u0007b") and not has_control_characters("Çelik d'Artagnan")
    assert has_control_characters("regel\nregel") and not has_control_characters("regel\nregel", allow_line_breaks=True)
    assert name_error("   ") is not None and name_error("Zoë") is None
