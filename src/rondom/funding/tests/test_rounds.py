"""The allocation round computed from the real data: facts per school, a hand-computed result, Bloz's advice and
the decision by the right roles only, no change after the decision, and realised against allocated hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rondom.accounts.models import Organisation, User
from rondom.attendance.models import AbsenceRecord
from rondom.cases.models import Case, CaseStatus, SocialWorkActivity, SupportTeam
from rondom.core.schoolyear import SchoolYear
from rondom.funding import rounds
from rondom.funding.models import AllocationRound
from rondom.registry.models import Municipality
from rondom.thuiszitters.models import Thuiszitter
from tests.factories import ChildFactory, MembershipFactory, MunicipalityFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db

D = Decimal


@dataclass
class World:
    zwolle: Municipality
    year: SchoolYear
    a: Organisation
    b: Organisation
    gemeente: User
    bestuur: User
    swv: User


def build_world() -> World:
    """Two schools of Zwolle and one of Kampen (not in Zwolle's round).

    A: 3 pupils (2 from Zwolle, 1 from Kampen), a closed case, 2 hours of unauthorised absence last year.
    B: 1 pupil, an open case, a thuiszitter last year."""
    year = SchoolYear.current()
    last = SchoolYear(year.start_year - 1)
    zwolle, kampen = MunicipalityFactory(name="Zwolle"), MunicipalityFactory(name="Kampen")
    a = SchoolFactory(name="De Esch", municipality=zwolle)
    b = SchoolFactory(name="De Kern", municipality=zwolle)
    elsewhere = SchoolFactory(name="Elders", municipality=kampen)
    pupils_a = [ChildFactory(school=a, home_municipality=zwolle) for _ in range(2)]
    ChildFactory(school=a, home_municipality=kampen)
    ChildFactory(school=a, home_municipality=zwolle, left_school_on=date(2020, 7, 1))  # left: not counted
    pupil_b = ChildFactory(school=b, home_municipality=zwolle)
    ChildFactory.create_batch(5, school=elsewhere, home_municipality=kampen)

    closed = Case.objects.create(
        child=pupils_a[0], team=SupportTeam.objects.create(school=a), question="?", decision_due=date.today()
    )
    closed.status = CaseStatus.objects.create(case=closed, state="closed")
    closed.save()
    Case.objects.create(
        child=pupil_b, team=SupportTeam.objects.create(school=b), question="?", decision_due=date.today()
    )
    Thuiszitter.objects.create(
        child=pupil_b, kind="relative", reason="other", started_on=last.first_day + timedelta(days=40), school=b
    )
    day = last.first_day + timedelta(days=70)
    AbsenceRecord.objects.create(child=pupils_a[0], school=a, date=day, kind="unauthorised", minutes=120)
    AbsenceRecord.objects.create(child=pupils_a[1], school=a, date=day, kind="sick", minutes=300)
    AbsenceRecord.objects.create(
        child=pupils_a[1], school=a, date=year.first_day + timedelta(days=10), kind="unauthorised", minutes=600
    )

    def officer(kind: str) -> User:
        return MembershipFactory(  # type: ignore[no-any-return]
            organisation=OrganisationFactory(kind=kind, municipality=zwolle), role="policy_officer"
        ).user

    return World(zwolle, year, a, b, officer("municipality"), officer("school_board"), officer("swv"))


def example_rules(world: World, **changes: object) -> rounds.Rules:
    given: dict[str, object] = {
        "base_hours": D(4),
        "maatwerk_hours": D(8),
        "weights_percent": {"pupils": D(50), "open_cases": D(25), "thuiszitters": D(25), "absence_hours": D(0)},
        "rate": D(50),
        "weeks": 40,
        "school_share_percent": D(50),
        "regional_split": True,
        "municipality": "Zwolle",
    }
    given.update(changes)
    return rounds.rules_from_percentages(**given)  # type: ignore[arg-type]


def test_facts_come_from_the_data_in_a_few_grouped_queries(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    with django_assert_max_num_queries(4):
        facts = rounds.facts_for([world.a, world.b], SchoolYear(world.year.start_year - 1))
    a, b = facts[world.a.pk], facts[world.b.pk]
    assert (a.pupils, a.open_cases, a.thuiszitters, a.absence_hours) == (3, 0, 0, D("2.0"))
    assert (b.pupils, b.open_cases, b.thuiszitters, b.absence_hours) == (1, 1, 1, D("0.0"))
    assert a.pupils_by_municipality == {"Zwolle": 2, "Kampen": 1}


def test_a_round_computed_from_the_data_matches_the_hand_computation() -> None:
    """Need: A = 50 % × 3/4 = 0.375; B = 50 % × 1/4 + 25 % + 25 % = 0.625. Maatwerk 8 h: A 3.0, B 5.0.
    Cost at 40 weeks × € 50: A 7 h → 14000.00, B 9 h → 18000.00; the school pays half. A's municipal half
    (7000.00) is split by home municipality 2 : 1 in cents: Zwolle 4666.67, Kampen 2333.33."""
    world = build_world()
    round_ = rounds.compute(world.gemeente, world.zwolle, world.year, example_rules(world))
    assert round_.school_year == str(world.year) and round_.computed_at is not None
    assert [r["name"] for r in round_.result] == ["De Esch", "De Kern"]
    a, b = round_.result
    assert a["need_index"] == "0.3750" and b["need_index"] == "0.6250"
    assert (a["base_hours"], a["maatwerk_hours"], a["hours"]) == ("4", "3.0", "7.0")
    assert (b["base_hours"], b["maatwerk_hours"], b["hours"]) == ("4", "5.0", "9.0")
    assert (a["cost"], a["school_pays"]) == ("14000.00", "7000.00")
    assert a["municipalities_pay"] == {"Kampen": "2333.33", "Zwolle": "4666.67"}
    assert (b["cost"], b["school_pays"], b["municipalities_pay"]) == ("18000.00", "9000.00", {"Zwolle": "9000.00"})
    assert a["facts"] == {"pupils": 3, "open_cases": 0, "thuiszitters": 0, "absence_hours": "2.0"}
    assert round_.rules["weights"] == {"pupils": "0.5", "open_cases": "0.25", "thuiszitters": "0.25"}
    assert round_.rules["facts_from"] == str(SchoolYear(world.year.start_year - 1))

    table = rounds.allocation_table(round_)
    assert table.municipalities == ["Zwolle", "Kampen"]
    assert table.totals["cost"] == D("32000.00") and table.totals["school_pays"] == D("16000.00")
    assert table.totals["pays"] == [D("13666.67"), D("2333.33")]
    assert table.totals["need_index"] == D(1) and table.totals["hours"] == D("16.0")


def test_without_regional_split_the_own_municipality_pays_the_municipal_half() -> None:
    world = build_world()
    round_ = rounds.compute(world.gemeente, world.zwolle, world.year, example_rules(world, regional_split=False))
    assert round_.result[0]["municipalities_pay"] == {"Zwolle": "7000.00"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weights_percent": {"pupils": D(60), "open_cases": D(30)}}, "weights"),
        ({"weights_percent": {"pupils": D(110), "open_cases": D(-10)}}, "weights"),
        ({"school_share_percent": D(120)}, "school_share"),
        ({"base_hours": D(-1)}, "base_hours"),
        ({"maatwerk_hours": D("-0.5")}, "maatwerk_hours"),
        ({"rate": D(-50)}, "rate"),
        ({"weeks": 0}, "weeks"),
    ],
)
def test_bad_rules_name_the_field_and_the_reason(changes: dict[str, object], field: str) -> None:
    world = build_world()
    with pytest.raises(ValidationError) as refused:
        example_rules(world, **changes)
    assert list(refused.value.message_dict) == [field]


def test_advice_by_a_school_board_and_decision_by_the_municipality_only() -> None:
    world = build_world()
    with pytest.raises(PermissionDenied):
        rounds.compute(world.bestuur, world.zwolle, world.year, example_rules(world))
    round_ = rounds.compute(world.gemeente, world.zwolle, world.year, example_rules(world))
    for user in (world.gemeente, world.swv):
        with pytest.raises(PermissionDenied):
            rounds.advise(user, round_, "Akkoord.")
    with pytest.raises(ValidationError, match="Bloz has not given its advice yet"):
        rounds.decide(world.gemeente, round_, "Vastgesteld.")
    round_ = rounds.advise(world.bestuur, round_, "  Akkoord, met aandacht voor De Kern.  ")
    assert round_.advice == "Akkoord, met aandacht voor De Kern." and round_.advice_by == world.bestuur
    for user in (world.bestuur, world.swv):
        with pytest.raises(PermissionDenied):
            rounds.decide(user, round_, "Vastgesteld.")
    round_ = rounds.decide(world.gemeente, round_, "Vastgesteld in het college.")
    assert round_.decided_by == world.gemeente and round_.decided_at is not None
    assert rounds.status(round_) == "Decided"


def test_a_recompute_before_the_decision_clears_the_advice() -> None:
    world = build_world()
    round_ = rounds.compute(world.gemeente, world.zwolle, world.year, example_rules(world))
    rounds.advise(world.bestuur, round_, "Akkoord.")
    round_ = rounds.compute(world.gemeente, world.zwolle, world.year, example_rules(world, maatwerk_hours=D(10)))
    assert round_.advice == "" and round_.advice_at is None
    assert AllocationRound.objects.count() == 1


def test_after_the_decision_nothing_changes() -> None:
    world = build_world()
    round_ = rounds.compute(world.gemeente, world.zwolle, world.year, example_rules(world))
    rounds.advise(world.bestuur, round_, "Akkoord.")
    decided = rounds.decide(world.gemeente, round_, "Vastgesteld.")
    before = AllocationRound.objects.values().get(pk=decided.pk)
    message = "can no longer be changed"
    with pytest.raises(ValidationError, match=message):
        rounds.compute(world.gemeente, world.zwolle, world.year, example_rules(world, maatwerk_hours=D(20)))
    with pytest.raises(ValidationError, match=message):
        rounds.advise(world.bestuur, decided, "Toch niet.")
    with pytest.raises(ValidationError, match=message):
        rounds.decide(world.gemeente, decided, "Opnieuw.")
    assert AllocationRound.objects.values().get(pk=decided.pk) == before


def test_realised_hours_per_role_against_allocated_hours() -> None:
    world = build_world()
    round_ = rounds.compute(world.gemeente, world.zwolle, world.year, example_rules(world))
    worker = MembershipFactory(organisation=world.a, role="school_social_worker")
    start = world.year.first_day

    def log(school: Organisation, role: str, hours: str, day: date) -> None:
        SocialWorkActivity.objects.create(social_worker=worker, school=school, role=role, hours=D(hours), date=day)

    log(world.a, "short_support", "10", start + timedelta(days=45))
    log(world.a, "short_support", "2.5", start + timedelta(days=46))
    log(world.a, "consultation", "5", start + timedelta(days=60))
    log(world.a, "consultation", "99", start - timedelta(days=1))  # the school year before: not counted
    log(world.b, "bring_in_care", "2.5", start + timedelta(days=80))
    table = rounds.realised_table(round_)
    a, b = table.rows
    assert (a.name, a.allocated, a.roles, a.realised) == (
        "De Esch",
        D("280.0"),
        [D("12.50"), D("5.00"), D("0.00")],
        D("17.5"),
    )
    assert (a.difference, a.percent) == (D("-262.5"), D("6.3"))
    assert (b.allocated, b.roles, b.realised, b.difference, b.percent) == (
        D("360.0"),
        [D(0), D(0), D("2.5")],
        D("2.5"),
        D("-357.5"),
        D("0.7"),
    )
    assert (table.total.allocated, table.total.realised, table.total.difference) == (D(640), D(20), D(-620))
