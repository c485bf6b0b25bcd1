"""Allocation and population budgets on hand-computed examples."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from rondom.funding.allocation import Rules, SchoolFacts, allocate, split_exactly
from rondom.funding.budget import trajectory, what_if

RULES = Rules(
    base_hours=D(4), maatwerk_hours=D(10), weights={"pupils": D("0.5"), "open_cases": D("0.5")}, rate=D(80), weeks=40
)


def test_base_maatwerk_and_the_50_50_split_by_hand() -> None:
    # A: 300 of 400 pupils, 20 of 40 cases -> 0.5*0.75 + 0.5*0.5 = 0.625; B: 0.5*0.25 + 0.5*0.5 = 0.375.
    facts = {"A": SchoolFacts(pupils=300, open_cases=20), "B": SchoolFacts(pupils=100, open_cases=20)}
    a, b = allocate(facts, RULES)
    assert (a.need_index, b.need_index) == (D("0.625"), D("0.375"))
    # 10 hours in tenths: 62.5 and 37.5 tenths; the one left-over tenth goes to A (equal remainders: by name).
    assert (a.maatwerk_hours, b.maatwerk_hours) == (D("6.3"), D("3.7"))
    assert (a.hours, b.hours) == (D("10.3"), D("7.7"))
    assert a.cost == D("32960.00") and (a.school_pays, a.municipalities_pay) == (
        D("16480.00"),
        {"Zwolle": D("16480.00")},
    )
    assert b.cost == D("24640.00") and b.school_pays == D("12320.00")
    assert a.maatwerk_hours + b.maatwerk_hours == RULES.maatwerk_hours


def test_a_regional_school_splits_the_municipal_half_by_home_municipality() -> None:
    facts = {"Regio": SchoolFacts(pupils=100, pupils_by_municipality={"Zwolle": 60, "Kampen": 30, "Dalfsen": 10})}
    [regio] = allocate(facts, RULES)
    # 14 hours * 40 weeks * 80 = 44,800; the municipal half 22,400 split 60/30/10.
    assert regio.hours == D(14) and regio.cost == D("44800.00")
    assert regio.municipalities_pay == {"Zwolle": D("13440.00"), "Kampen": D("6720.00"), "Dalfsen": D("2240.00")}


def test_parts_always_add_up_to_the_whole() -> None:
    assert split_exactly(D("100.00"), {"a": D(1), "b": D(1), "c": D(1)}, D("0.01")) == {
        "a": D("33.34"),
        "b": D("33.33"),
        "c": D("33.33"),
    }
    assert sum(split_exactly(D("7.7"), {"x": D(3), "y": D(7), "z": D(11)}, D("0.1")).values()) == D("7.7")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weights": {"pupils": D("0.5"), "open_cases": D("0.4")}}, "weights"),
        ({"weights": {"pupils": D("1.2"), "open_cases": D("-0.2")}}, "weights"),
        ({"weights": {"postcode": D(1)}}, "weights"),
        ({"school_share": D("1.1")}, "school_share"),
        ({"maatwerk_hours": D(-1)}, "budget"),
    ],
)
def test_budgets_that_do_not_add_up_are_refused(change, field: str) -> None:  # type: ignore[no-untyped-def]
    rules = Rules(**{**RULES.__dict__, **change})
    with pytest.raises(ValidationError) as error:
        allocate({"A": SchoolFacts(pupils=1)}, rules)
    assert field in error.value.message_dict


def test_population_budget_trajectory_and_what_if_by_hand() -> None:
    baseline = {"gemeente": D("600000"), "samenwerkingsverband": D("300000"), "scholen": D("100000")}
    years = trajectory(baseline, D(2), years=5, actual={0: D("1000000"), 1: D("975000")})
    assert [y.budget for y in years] == [
        D("1000000.00"),
        D("980000.00"),
        D("960400.00"),
        D("941192.00"),
        D("922368.16"),
        D("903920.80"),
    ]
    assert years[1].by_party == {
        "gemeente": D("588000.00"),
        "samenwerkingsverband": D("294000.00"),
        "scholen": D("98000.00"),
    }
    assert years[1].difference == D("-5000.00") and years[2].difference is None
    paths = what_if(baseline, {"2% per jaar": [D(2)] * 5, "eerst 5%": [D(5), D(5), D(0), D(0), D(0)]})
    assert paths["eerst 5%"][-1].budget == D("902500.00") < paths["2% per jaar"][-1].budget
    for bad in ([D(2)] * 4, [D(100)] * 5):
        with pytest.raises(ValidationError):
            trajectory(baseline, bad, years=5)
    with pytest.raises(ValidationError):
        trajectory({"gemeente": D(-1)}, D(2))
