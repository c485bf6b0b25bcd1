"""Demo OPPs: the demo parent's child's plan is an OPP with a handelingsdeel, special-education pupils' plans are
OPPs on that basis, one yearly evaluation is overdue for the demo ib'er, the goals are kept, a second run adds
nothing. Built for pinned days."""

from __future__ import annotations

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from rondom.accounts.models import Organisation
from rondom.cases.models import Plan
from rondom.demo import casework, data
from rondom.demo import opp as demo_opp
from rondom.opp import services
from rondom.opp.sections import OppBasis
from rondom.registry.models import Child
from tests.factories import ChildFactory, GuardianshipFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("moment", [datetime(2026, 11, 29, 23, 50), datetime(2028, 2, 29, 5, 30)])
def test_the_demo_marks_a_handful_of_plans_as_opp_with_one_evaluation_overdue(moment: datetime) -> None:
    with time_machine.travel(moment.replace(tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        today = timezone.localdate()
        data.load(today)
        special = SchoolFactory(school_type="so", name="De Twijn (so)")
        schools = [*Organisation.objects.filter(brin__in=("12AB", "34CD")), special]
        for i in range(300):
            GuardianshipFactory(child=ChildFactory(school=schools[i % len(schools)]))
        casework.generate(random.Random(2026), today=today)
        goals_before = {p.pk: p.content["goals"] for p in Plan.objects.filter(version__gt=0)}
        report = demo_opp.generate(random.Random(2026), today)
    assert report.counts["opp"] >= 4 and report.counts["overdue"] == 1
    youssef = Child.objects.get(given_name="Youssef", family_name="Hendriks")
    assert youssef.plan.opp_basis == OppBasis.EXTRA_SUPPORT and youssef.plan.content["opp"]["handelingsdeel"]
    opps = list(Plan.objects.exclude(opp_basis=""))
    assert any(p.opp_basis == OppBasis.SPECIAL_EDUCATION and p.content["opp"]["uitstroomprofiel"] for p in opps)
    for plan in opps:
        assert plan.content["goals"] == goals_before[plan.pk]
        assert not services.validate_opp(plan.content["opp"], basis=plan.opp_basis)
        assert plan.opp_since <= today
        # After a secondary school the mbo, after a primary school a secondary school; no mentor in a primary school.
        opp = plan.content["opp"]
        if plan.child.school.school_type in ("vo", "pro", "vso"):
            assert opp["uitstroombestemming"] in demo_opp.DESTINATIONS_AFTER_SECONDARY
        else:
            assert opp["uitstroombestemming"] in demo_opp.DESTINATIONS
            assert all(row["by"] != "mentor" for row in opp["handelingsdeel"])
    assert youssef.school.school_type == "vo"
    assert youssef.plan.content["opp"]["uitstroombestemming"].startswith(("mbo", "entree"))
    statuses = [services.opp_evaluation_due(p, today).status for p in opps]
    assert statuses.count("overdue") == 1
    esch_overdue = [p for p in opps if services.opp_evaluation_due(p, today).status == "overdue"]
    assert esch_overdue[0].child.school.brin == "12AB"  # in the demo ib'er's work list
    assert demo_opp.generate(random.Random(2026), date(2026, 11, 29)).counts == {}
