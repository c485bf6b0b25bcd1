"""Demo funding data: every pilot gets a population budget with passed years' spending, the area pilot a few
report texts, and Zwolle this year's allocation round (computed, awaiting Bloz); a second run adds nothing."""

from __future__ import annotations

import random

import pytest

from rondom.demo import data, funding
from rondom.funding import budget
from rondom.funding.models import AllocationRound, Pilot
from rondom.monitoring.models import ReportText

pytestmark = pytest.mark.django_db


def test_pilots_get_budgets_and_zwolle_an_allocation_round_once() -> None:
    data.load()
    first = funding.generate(random.Random(2026))
    assert first == {"pilot_budgets": 3, "report_texts": 3, "allocation_rounds": 1, "werkplans": 1}
    for pilot in Pilot.objects.all():
        years = budget.pilot_trajectory(pilot)
        assert len(years) == pilot.years + 1 and years[0].budget == sum(budget.pilot_baseline(pilot).values())
    round_ = AllocationRound.objects.get()
    assert round_.result and round_.decided_at is None and round_.advice_at is None
    assert ReportText.objects.filter(pilot__kind="area").count() == 3
    assert funding.generate(random.Random(2026)) == {
        "pilot_budgets": 0,
        "report_texts": 0,
        "allocation_rounds": 0,
        "werkplans": 0,
    }
