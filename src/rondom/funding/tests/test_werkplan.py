"""A werkplan counts only when the school and the wijkteam both approved it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rondom.funding import services
from rondom.funding.models import Pilot
from tests.factories import MembershipFactory, MunicipalityFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def test_two_sided_approval() -> None:
    school = SchoolFactory()
    ib = MembershipFactory(organisation=school, role="intern_begeleider").user
    wijkteam = OrganisationFactory(kind="wijkteam")
    wijkteam.serves_municipalities.add(school.municipality)
    worker = MembershipFactory(organisation=wijkteam, role="wijkteam_worker").user
    elsewhere = OrganisationFactory(kind="wijkteam", municipality=MunicipalityFactory(name="Kampen"))
    stranger = MembershipFactory(organisation=elsewhere, role="wijkteam_worker").user
    teacher = MembershipFactory(organisation=school, role="teacher").user

    plan = services.write(ib, school, "2026-2027", "Twee groepstrainingen en wekelijks spreekuur.")
    with pytest.raises(PermissionDenied):
        services.write(worker, school, "2026-2027", "x")  # the school writes its own plan
    services.approve(ib, plan)
    plan.refresh_from_db()
    assert not plan.counts  # approved by one side only
    with pytest.raises(ValidationError):
        services.approve(ib, plan)
    for outsider in (stranger, teacher):
        with pytest.raises(PermissionDenied):
            services.approve(outsider, plan)
    services.approve(worker, plan)
    plan.refresh_from_db()
    assert plan.counts and plan.wijkteam_approved_by == worker
    plan = services.write(ib, school, "2026-2027", "Aangepast: ook ouderavonden.")
    assert not plan.counts  # a rewrite needs both sides again


def test_the_three_pilots_of_the_sources_are_registered() -> None:
    assert sorted(Pilot.objects.values_list("kind", "years")) == [
        ("area", 5),
        ("special_education", 5),
        ("specific_care", 5),
    ]
