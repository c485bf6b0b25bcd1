"""Population budgets (populatiebekostiging) of a pilot, as arithmetic: a baseline from current spending by party
(nulmeting), a yearly shrink percentage, the trajectory over the pilot's years, and what-if paths. Parties pool the
budget and do not invoice each other: the trajectory is one pot; each party's contribution keeps its baseline
share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rondom.core.schoolyear import SchoolYear

from .allocation import CENTS, split_exactly

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Year:
    number: int  # 0 = the baseline year
    budget: Decimal
    by_party: dict[str, Decimal]
    actual: Decimal | None = None

    @property
    def difference(self) -> Decimal | None:
        """Actual spending minus budget (negative: under budget)."""
        return None if self.actual is None else self.actual - self.budget


def validate_baseline(baseline: Mapping[str, Decimal]) -> None:
    if not baseline:
        raise ValidationError({"baseline": _("Give the current spending of at least one party.")})
    if any(v < 0 for v in baseline.values()):
        raise ValidationError({"baseline": _("Spending cannot be negative.")})


def trajectory(
    baseline: Mapping[str, Decimal],
    shrink_percent: Sequence[Decimal] | Decimal,
    years: int = 5,
    actual: Mapping[int, Decimal] | None = None,
) -> list[Year]:
    """Budget per year: year 0 is the baseline; each next year shrinks by that year's percentage (one percentage
    for every year, or one per year for a what-if path). Each party's part keeps its baseline share, in cents that
    add up to the year's budget exactly."""
    validate_baseline(baseline)
    path = [Decimal(shrink_percent)] * years if isinstance(shrink_percent, (Decimal, int)) else list(shrink_percent)
    if len(path) != years:
        raise ValidationError({"shrink": _("Give a shrink percentage for each of the %(n)d years.") % {"n": years}})
    if any(not Decimal(0) <= p < HUNDRED for p in path):
        raise ValidationError({"shrink": _("A shrink percentage must be from 0 up to 100.")})
    actual = actual or {}
    total = sum(baseline.values(), Decimal(0)).quantize(CENTS)
    result = [Year(0, total, split_exactly(total, baseline, CENTS), actual.get(0))]
    budget = total
    for n, percent in enumerate(path, start=1):
        budget = (budget * (HUNDRED - percent) / HUNDRED).quantize(CENTS)
        result.append(Year(n, budget, split_exactly(budget, baseline, CENTS), actual.get(n)))
    return result


def what_if(
    baseline: Mapping[str, Decimal], paths: Mapping[str, Sequence[Decimal]], years: int = 5
) -> dict[str, list[Year]]:
    """Several shrink paths side by side (e.g. 2 % a year against 5 % in the first years and 0 after)."""
    return {name: trajectory(baseline, path, years) for name, path in paths.items()}


def pilot_baseline(pilot: Any) -> dict[str, Decimal]:
    """A pilot's nulmeting per party, as stored (amounts as strings), in Decimals."""
    return {str(party): Decimal(str(amount)) for party, amount in (pilot.baseline or {}).items()}


def pilot_actual(pilot: Any) -> dict[int, Decimal]:
    """A pilot's actual spending per pilot year (1 = its first school year), in Decimals."""
    return {
        int(year): Decimal(str(amount)) for year, amount in (pilot.actual or {}).items() if amount not in ("", None)
    }


def pilot_trajectory(pilot: Any) -> list[Year]:
    """The agreed trajectory of a pilot with its actual spending; empty when no baseline is recorded yet."""
    baseline = pilot_baseline(pilot)
    if not baseline:
        return []
    return trajectory(baseline, Decimal(pilot.shrink_percent), pilot.years, pilot_actual(pilot))


def pilot_school_year(pilot: Any, number: int) -> str:
    """The school year of pilot year `number`; year 0 is the baseline year, the school year before the pilot."""
    return str(SchoolYear(pilot.start_year + number - 1))
