"""The monitoring dashboard: a pilot against the rest of the city, table and CSV, for policy staff only."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings

from rondom.funding.models import Pilot
from rondom.thuiszitters.models import Thuiszitter
from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def test_policy_staff_compare_a_pilot_with_the_rest_of_the_city(login) -> None:  # type: ignore[no-untyped-def]
    pilot_school, other_school = SchoolFactory(), SchoolFactory()
    pilot = Pilot.objects.get(kind="specific_care")
    pilot.schools.add(pilot_school)
    child = ChildFactory(school=pilot_school, given_name="Zeldzaam")
    Thuiszitter.objects.create(
        child=child, kind="relative", reason="other", started_on=date(2025, 9, 1), school=pilot_school
    )
    ChildFactory(school=other_school)
    gemeente = OrganisationFactory(kind="municipality", municipality=pilot_school.municipality)
    client = login(MembershipFactory(organisation=gemeente, role="policy_officer").user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/monitoring/?pilot={pilot.pk}&year=2025-2026")
    html = page.content.decode()
    assert page.status_code == 200 and "Zeldzaam" not in html and "<svg" in html
    row = html.split('id="indicators"')[1].split("Aantal thuiszitters")[1].split("</tr>")[0]
    assert '<td class="utrecht-table__cell">1</td>' in row and '<td class="utrecht-table__cell">0</td>' in row
    lines = client.get(f"/monitoring/?pilot={pilot.pk}&year=2025-2026&format=csv").content.decode("utf-8-sig")
    assert lines.splitlines()[1].startswith("thuiszitters;") and lines.splitlines()[1].endswith(";1;0")
    client.logout()
    assert (
        login(MembershipFactory(organisation=pilot_school, role="intern_begeleider").user)
        .get("/monitoring/")
        .status_code
        == 403
    )
