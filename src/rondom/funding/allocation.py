"""School social work allocation, as arithmetic with no database: a base per school, a budget of maatwerkuren
shared by a need index, and the cost split between school and municipality (for regional schools the municipal
half by the pupils' home municipality). Every figure is rounded so that the parts add up to the whole exactly
(largest remainder), so a report never shows 99.9 % or a budget that does not add up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HOURS = Decimal("0.1")
CENTS = Decimal("0.01")
ONE = Decimal(1)


@dataclass(frozen=True)
class SchoolFacts:
    """What the need index weighs, per school (one school year)."""

    pupils: int
    open_cases: int = 0
    thuiszitters: int = 0
    absence_hours: Decimal = Decimal(0)
    #: Pupils per home municipality (for the regional split of the municipal half).
    pupils_by_municipality: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    base_hours: Decimal  # per school per week
    maatwerk_hours: Decimal  # the budget to share, per week
    weights: Mapping[str, Decimal]  # fact name -> weight; must add up to 1
    rate: Decimal  # cost per hour
    weeks: int = 40
    school_share: Decimal = Decimal("0.5")
    regional_split: bool = True
    municipality: str = "Zwolle"  # who pays the municipal half when there is no regional split


@dataclass(frozen=True)
class Allocation:
    school: str
    need_index: Decimal
    base_hours: Decimal
    maatwerk_hours: Decimal
    cost: Decimal
    school_pays: Decimal
    municipalities_pay: dict[str, Decimal]

    @property
    def hours(self) -> Decimal:
        return self.base_hours + self.maatwerk_hours


FACTS = ("pupils", "open_cases", "thuiszitters", "absence_hours")


def validate(rules: Rules) -> None:
    errors: dict[str, str] = {}
    unknown = set(rules.weights) - set(FACTS)
    if unknown:
        errors["weights"] = _("Unknown weights: %(names)s.") % {"names": ", ".join(sorted(unknown))}
    elif any(w < 0 for w in rules.weights.values()) or sum(rules.weights.values(), Decimal(0)) != ONE:
        errors["weights"] = _("The weights must be 0 or more and add up to 100 %.")
    if not Decimal(0) <= rules.school_share <= ONE:
        errors["school_share"] = _("The school's share must be between 0 and 100 %.")
    if rules.base_hours < 0 or rules.maatwerk_hours < 0 or rules.rate < 0 or rules.weeks <= 0:
        errors["budget"] = _("Hours, rate and weeks cannot be negative.")
    if errors:
        raise ValidationError(errors)


def split_exactly(total: Decimal, shares: Mapping[str, Decimal], unit: Decimal) -> dict[str, Decimal]:
    """Divide `total` by `shares` (any non-negative numbers) in steps of `unit`; the parts add up to `total` exactly.
    Largest remainder: everyone gets the rounded-down part, the leftover units go to the largest remainders."""
    weight = sum(shares.values(), Decimal(0))
    if not shares:
        return {}
    if weight == 0:
        shares = dict.fromkeys(shares, ONE)
        weight = Decimal(len(shares))
    units = int((total / unit).to_integral_value(ROUND_DOWN))
    raw = {k: Decimal(units) * v / weight for k, v in shares.items()}
    parts = {k: int(r.to_integral_value(ROUND_DOWN)) for k, r in raw.items()}
    left = units - sum(parts.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - parts[k]), k))[:left]:
        parts[k] += 1
    return {k: Decimal(n) * unit for k, n in parts.items()}


def need_indexes(facts: Mapping[str, SchoolFacts], weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Each school's share of the need (adds up to 1): per fact the school's share of all schools, weighted."""
    totals = {name: sum((Decimal(getattr(f, name)) for f in facts.values()), Decimal(0)) for name in FACTS}
    index = {}
    for school, f in facts.items():
        value = Decimal(0)
        for name, weight in weights.items():
            if totals[name]:
                value += weight * Decimal(getattr(f, name)) / totals[name]
        index[school] = value
    return index


def allocate(facts: Mapping[str, SchoolFacts], rules: Rules) -> list[Allocation]:
    validate(rules)
    index = need_indexes(facts, rules.weights)
    maatwerk = split_exactly(rules.maatwerk_hours, index, HOURS)
    result = []
    for school, f in sorted(facts.items()):
        hours = rules.base_hours + maatwerk[school]
        cost = (hours * rules.weeks * rules.rate).quantize(CENTS)
        school_pays = (cost * rules.school_share).quantize(CENTS)
        municipal = cost - school_pays
        if rules.regional_split and f.pupils_by_municipality:
            shares = {m: Decimal(n) for m, n in f.pupils_by_municipality.items()}
            paying = split_exactly(municipal, shares, CENTS)
        else:
            paying = {rules.municipality: municipal}
        result.append(
            Allocation(
                school,
                index[school].quantize(Decimal("0.0001")),
                rules.base_hours,
                maatwerk[school],
                cost,
                school_pays,
                paying,
            )
        )
    return result
