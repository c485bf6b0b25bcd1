"""Pages that never dead-end for the school social worker and the provider: the inbox links only to records that
open now (help whose access ended is shown as ended), and a logged activity always appears in the log and its
totals, whatever its date (issue 11 point 10)."""

# ruff: noqa: F811  (world is a fixture shared with test_plan_and_bring_in)
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from rondom.cases import services
from rondom.cases.models import SocialWorkActivity
from rondom.records.consent import withdraw_consent
from tests.factories import MembershipFactory, OrganisationFactory, SchoolFactory

from .test_plan_and_bring_in import bring_in, world  # noqa: F401

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 11, 27, 14, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


def _links_in_main(html: str) -> list[str]:
    main = re.search(r"<main.*?</main>", html, re.S)
    assert main is not None
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"#]*)', main.group(0))]


def test_every_link_in_the_inbox_opens_for_its_reader(world, login) -> None:  # type: ignore[no-untyped-def]
    request = bring_in(world)
    services.join(world["contact"], request)
    client: Client = login(world["contact"])
    page = client.get(reverse("cases:inbox"))
    record = reverse("registry:child-detail", args=[world["child"].pk])
    assert record in _links_in_main(page.content.decode())
    assert all(client.get(link).status_code == 200 for link in _links_in_main(page.content.decode()))


def test_help_whose_access_ended_is_shown_as_ended_without_a_link(world, login) -> None:  # type: ignore[no-untyped-def]
    request = bring_in(world)
    services.join(world["contact"], request)
    withdraw_consent(world["mother"].user, world["consent"])  # the grant gives no access from now on
    client: Client = login(world["contact"])
    page = client.get(reverse("cases:inbox"))
    html = page.content.decode()
    assert reverse("registry:child-detail", args=[world["child"].pk]) not in _links_in_main(html)
    assert "Uw toegang tot dit dossier is beëindigd." in html
    assert all(client.get(link).status_code == 200 for link in _links_in_main(html))


@pytest.fixture
def social_worker():  # type: ignore[no-untyped-def]
    membership = MembershipFactory(organisation=OrganisationFactory(kind="provider"), role="school_social_worker")
    school = SchoolFactory()
    # A busy year: more activities than one page, all older than what is logged next.
    SocialWorkActivity.objects.bulk_create(
        SocialWorkActivity(
            social_worker=membership, school=school, role="short_support", hours=Decimal("1.00"), date=day
        )
        for day in [TODAY - timedelta(days=1 + n % 80) for n in range(120)]
    )
    return membership, school


def _log(client: Client, school, day: date, hours: str, role: str = "consultation"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("cases:social-work-log"),
        {"school": school.pk, "role": role, "hours": hours, "date": day.isoformat(), "description": "Overleg groep 7"},
    )


def test_a_logged_activity_appears_in_the_log_and_in_its_totals(social_worker, login) -> None:  # type: ignore[no-untyped-def]
    membership, school = social_worker
    client: Client = login(membership.user)
    saved = _log(client, school, TODAY, "2.5")
    assert saved.status_code == 302
    activity = SocialWorkActivity.objects.get(role="consultation")
    page = client.get(saved["Location"])
    html = page.content.decode()
    assert f'id="activiteit-{activity.pk}"' in html
    assert "Overleg groep 7" in html
    # The totals cover the whole school year, not the page shown: 120 hours of short support, 2.5 of consultation.
    assert re.search(r"Consultatie en advies aan leerkrachten</th><td[^>]*>2,50?<", html)
    assert re.search(r"Kortdurende ondersteuning aan kind en ouders</th><td[^>]*>120(,00)?<", html)


def test_an_activity_dated_in_an_earlier_school_year_appears_in_that_years_log(social_worker, login) -> None:  # type: ignore[no-untyped-def]
    membership, school = social_worker
    client: Client = login(membership.user)
    saved = _log(client, school, date(2026, 6, 30), "1.25")  # school year 2025-2026
    assert "jaar=2025-2026" in saved["Location"]
    activity = SocialWorkActivity.objects.get(role="consultation")
    html = client.get(saved["Location"]).content.decode()
    assert f'id="activiteit-{activity.pk}"' in html
    assert re.search(r"Consultatie en advies aan leerkrachten</th><td[^>]*>1,25<", html)
    this_year = client.get(reverse("cases:social-work-log")).content.decode()
    assert f'id="activiteit-{activity.pk}"' not in this_year


def test_an_older_activity_of_a_busy_year_is_found_on_its_page(social_worker, login) -> None:  # type: ignore[no-untyped-def]
    membership, school = social_worker
    client: Client = login(membership.user)
    saved = _log(client, school, TODAY - timedelta(days=79), "1")
    assert "pagina=3" in saved["Location"]  # 120 + 1 activities, 50 a page, this one among the oldest
    activity = SocialWorkActivity.objects.get(role="consultation")
    assert f'id="activiteit-{activity.pk}"' in client.get(saved["Location"]).content.decode()


@pytest.mark.parametrize(
    ("typed", "stored"), [("1,5", Decimal("1.50")), ("1.5", Decimal("1.50")), ("0,25", Decimal("0.25"))]
)
def test_hours_are_typed_with_a_dutch_decimal_comma_or_a_point(social_worker, login, typed, stored) -> None:  # type: ignore[no-untyped-def]
    membership, school = social_worker
    client: Client = login(membership.user)
    assert _log(client, school, TODAY, typed).status_code == 302
    assert SocialWorkActivity.objects.get(role="consultation").hours == stored


def test_hours_written_as_thousands_are_refused_not_misread(social_worker, login) -> None:  # type: ignore[no-untyped-def]
    membership, school = social_worker
    client: Client = login(membership.user)
    refused = _log(client, school, TODAY, "1.000,5")
    assert refused.status_code in (200, 400) and not SocialWorkActivity.objects.filter(role="consultation").exists()
    assert 'inputmode="decimal"' in client.get(reverse("cases:social-work-log")).content.decode()
