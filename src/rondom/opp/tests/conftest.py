"""The OPP world of the instemming tests: a pupil with an OPP (a plan with opp_basis and content["opp"], saved as
PlanVersions through the ORM), two parents with authority, the school's intern begeleider and zorgcoördinator."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rondom.cases.models import Plan, PlanVersion
from rondom.portal.services import opened
from tests.factories import ChildFactory, GuardianshipFactory, MembershipFactory, born_years_ago

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
TODAY = NOW.date()


def opp_content(support: str = "Twee keer per week leesles", onderbouwing: str = "Leest goed vooruit") -> dict:
    return {
        "goals": [{"id": "g1", "description": "Vlot lezen op AVI E5", "target": "", "support_by": "juf Anna"}],
        "opp": {
            "uitstroombestemming": "vmbo kader",
            "onderbouwing": onderbouwing,
            "onderwijsbehoeften": "Korte instructie",
            "handelingsdeel": [
                {
                    "id": "h1",
                    "support": support,
                    "by": "meester Jan",
                    "where": "in de klas",
                    "hours_per_week": "1.5",
                    "from": "2026-02-01",
                    "until": "2026-07-10",
                }
            ],
        },
    }


def save_version(plan: Plan, content: dict, by: Any = None) -> Plan:
    """A new version of the plan, as the plan editor saves it: content and number on the plan, a PlanVersion row."""
    plan.version += 1
    plan.content = content
    plan.save()
    PlanVersion.objects.create(plan=plan, number=plan.version, content=content, includes_treatment=False, saved_by=by)
    return plan


@pytest.fixture(autouse=True)
def _pinned() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(settings, tmp_path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    child = ChildFactory(date_of_birth=born_years_ago(9))
    mother = GuardianshipFactory(child=child, user__email="moeder@example.org")
    father = GuardianshipFactory(child=child, user__email="vader@example.org")
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    zc = MembershipFactory(organisation=child.school, role="zorgcoordinator").user
    plan = Plan.objects.create(child=child, opp_basis="extra_support", opp_since=TODAY)
    save_version(plan, opp_content(), by=ib)
    return {"child": child, "mother": mother, "father": father, "ib": ib, "zc": zc, "plan": plan}


def found_for(user: Any, child: Any) -> Any:
    return opened(user, child.pk)
