"""Review of issue 16: garbage and extreme input to the OPP's staff and portal forms never gives a 500."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from rondom.cases.models import Plan
from tests.conftest_helpers import verified_client

pytestmark = pytest.mark.django_db
HUGE = "9" * 30


@pytest.mark.parametrize(
    "data",
    [
        {"base_version": HUGE, "uitstroombestemming": "x"},
        {"base_version": "-1"},
        {"base_version": "1", "handelingsdeel-99999999999999999999999-support": "x"},
        {"base_version": "1", "handelingsdeel-1-from": "9999-12-31", "handelingsdeel-1-until": "0001-01-01"},
        {"base_version": "1", "handelingsdeel-1-hours_per_week": "1e308", "handelingsdeel-1-support": "x"},
        {"base_version": "1", "handelingsdeel-1-hours_per_week": "NaN", "handelingsdeel-1-support": "x"},
    ],
)
def test_the_opp_page_never_500s(login, world, data) -> None:  # type: ignore[no-untyped-def]
    before = Plan.objects.get(pk=world["plan"].pk).version
    response = login(world["ib"]).post(f"/kinderen/{world['child'].pk}/opp/", data)
    assert response.status_code in (302, 400, 409), response.status_code
    if response.status_code != 302:
        assert Plan.objects.get(pk=world["plan"].pk).version == before


@pytest.mark.parametrize(
    "data",
    [
        {"held_on": "0001-01-01", "summary": "x"},
        {"held_on": "9999-12-31", "summary": "x"},
        {"held_on": "2026-03-01", "summary": "\x00"},
        {"held_on": "x", "summary": "x" * 100000},
    ],
)
def test_the_evaluation_form_never_500s(login, world, data) -> None:  # type: ignore[no-untyped-def]
    response = login(world["ib"]).post(f"/kinderen/{world['child'].pk}/opp/evaluatie/", data)
    assert response.status_code in (302, 400), response.status_code


@pytest.mark.parametrize(
    "data",
    [
        {"agrees": "yes", "shown_hash": "x" * 10000},
        {"agrees": "maybe", "shown_hash": ""},
        {"agrees": "no", "own_words": "\x00", "shown_hash": "a" * 64},
        {},
    ],
)
def test_the_portal_instemming_never_500s(world, data) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    client = verified_client(client, world["mother"].user)
    response = client.post(f"/portaal/kind/{world['child'].pk}/opp/", data)
    assert response.status_code in (400, 409), response.status_code
    response = client.post(f"/portaal/kind/{world['child'].pk}/notulen/{HUGE}/", data)
    assert response.status_code in (400, 404), response.status_code
