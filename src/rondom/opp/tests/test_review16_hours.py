"""Review of issue 16: hours per week are a plain number with at most two decimals — "1e-999999" was accepted and
stored as a text of a million characters in every version of the plan."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rondom.cases.models import Plan
from rondom.opp import services
from rondom.opp.tests.conftest import TODAY, opp_content

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hours", ["1e-999999", "0.001", "1e-5"])
def test_hours_with_more_than_two_decimals_are_refused(world, hours) -> None:  # type: ignore[no-untyped-def]
    opp = opp_content()["opp"]
    opp["handelingsdeel"][0]["hours_per_week"] = hours
    with pytest.raises(ValidationError) as refused:
        services.save_opp(world["ib"], world["child"], opp, base_version=1, today=TODAY)
    assert any(key.endswith("hours_per_week") for key in refused.value.message_dict)
    assert Plan.objects.get(pk=world["plan"].pk).version == 1


def test_hours_with_two_decimals_are_kept(world) -> None:  # type: ignore[no-untyped-def]
    opp = opp_content()["opp"]
    opp["handelingsdeel"][0]["hours_per_week"] = "1,25"
    plan = services.save_opp(world["ib"], world["child"], opp, base_version=1, today=TODAY)
    assert plan.content["opp"]["handelingsdeel"][0]["hours_per_week"] == "1.25"
