"""The pilot indicators, defined in one declarative place (`INDICATORS`): each has a key, a short Dutch description,
a unit, how it is counted per school and school year (`facts`) and how those counts combine for a set of schools
(`kind`). A scope is a set of schools — one school, a wijk's, a pilot's, the rest of the city — so the same
figures exist at school, wijk, pilot and city level.

Speed: `compute_grid` asks the database once per kind of fact for counts grouped by school and school year (the
year is bucketed in SQL), for all scopes and years at once, and adds them up per scope in Python. The large
sources are read from rollups per school and month that the worker keeps (`rollup.py`: refreshed per school-month
where facts change, frozen once a school year is reported): absence from `attendance.AbsenceMonth`, goal scores,
questionnaire answers, closed cases, help requests and school moves from `MonthlyFact`. Thuiszitters, waiting
times and provider ratings are few and read as they are. `bench/bench_indicators.py` holds this against DuckDB
computing the same figures from the raw rows, and checks that both give the same answers.

Honesty: a figure without data is `None` (shown as a dash), never 0; every figure carries `n`, the number of
children, answers or requests it rests on, so that a page can withhold figures that rest on too few."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from django.db.models import Case as When_
from django.db.models import Count, F, FloatField, Func, IntegerField, Q, Sum, When
from django.db.models import Value as V
from django.utils import timezone

from rondom.accounts.models import Organisation
from rondom.attendance.models import AbsenceKind, AbsenceMonth
from rondom.cases.models import HelpRequest
from rondom.core.roles import OrganisationKind
from rondom.core.schoolyear import SchoolYear
from rondom.feedback.models import ProviderRating
from rondom.funding.models import Pilot
from rondom.registry.models import Child
from rondom.thuiszitters.models import Thuiszitter

from .models import MonthlyFact
from .rollup import ABSENCE_PREFIX, current_restatements

Value = Decimal | None


PRIMARY = frozenset({"po", "sbo", "so"})
SECONDARY = frozenset({"vo", "pro", "vso", "mbo"})

# How the counts of the schools of a scope combine into its figure.
DISTINCT = "distinct"  # facts: child ids -> the number of different children
PER_PUPIL = "per_pupil"  # facts: an amount -> the amount per pupil of the scope's schools
PERCENT_OF_PUPILS = "percent_of_pupils"  # facts: a number of children -> % of the scope's pupils
PERCENT = "percent"  # facts: (part, whole) -> 100 * part / whole
MEAN = "mean"  # facts: (sum, count) -> sum / count
MEDIAN = "median"  # facts: values -> their median
PILOT_SPEND_PER_PUPIL = "pilot_spend_per_pupil"  # the pilot's actual spending that year per pupil of its schools


@dataclass(frozen=True)
class Figure:
    value: Decimal | None
    n: int  # the children, answers or requests the figure rests on
    pupils: int = field(
        default=0, compare=False
    )  # the pupils of the schools counted (today's enrolment): the denominator of a rate per 100


@dataclass(frozen=True)
class Scope:
    """A set of schools: one school, a wijk's, a pilot's, the rest of the city. `pilot` is given for a pilot's own
    scope (its spending per pupil needs it)."""

    schools: frozenset[int]
    pilot: Pilot | None = None


@dataclass
class Grid:
    """The years asked for, the schools of all scopes together, and what every indicator's query needs."""

    years: tuple[SchoolYear, ...]
    schools: frozenset[int]
    #: with the restatements of frozen years applied (the corrected figures), instead of the published ones
    restated: bool = False
    _cache: dict[Any, Any] = field(default_factory=dict)

    def corrections(self) -> list[tuple[str, int, int, int, int]]:
        """(fact, school, school year, total added, count added) of the current restatements, when `restated`."""
        if not self.restated:
            return []
        shown = current_restatements(self.schools, [y.start_year for y in self.years])
        return [
            (
                r.fact,
                r.school_id,
                r.school_year,
                r.corrected_total - r.published_total,
                r.corrected_count - r.published_count,
            )
            for r in shown
        ]

    @property
    def first_day(self) -> date:
        return min(y.first_day for y in self.years)

    @property
    def last_day(self) -> date:
        return max(y.last_day for y in self.years)

    def window(self, name: str, *, moment: bool = False) -> Q:
        if moment:
            return Q(**{f"{name}__gte": _midnight(self.first_day), f"{name}__lt": _midnight(self.last_day, 1)})
        return Q(**{f"{name}__gte": self.first_day, f"{name}__lte": self.last_day})

    def year_of(self, name: str, *, moment: bool = False) -> When_:
        """The school year (its first calendar year) of a date or moment, computed by the database. A moment counts
        on its local (Dutch) date."""
        whens = []
        for y in self.years:
            if moment:
                whens.append(
                    When(
                        **{f"{name}__gte": _midnight(y.first_day), f"{name}__lt": _midnight(y.last_day, 1)},
                        then=V(y.start_year),
                    )
                )
            else:
                whens.append(When(**{f"{name}__gte": y.first_day, f"{name}__lte": y.last_day}, then=V(y.start_year)))
        return When_(*whens, default=V(0), output_field=IntegerField())


def _midnight(day: date, plus_days: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=plus_days), time.min))


Facts = dict[tuple[int, int], Any]  # (school id, school year) -> what the indicator counts there


def _grouped(rows: Any, *values: str) -> Facts:
    """Rows of school, year and one or more counts (from a grouped query) as facts."""
    if len(values) == 1:
        return {(r["at"], r["year"]): r[values[0]] for r in rows}
    return {(r["at"], r["year"]): tuple(r[v] for v in values) for r in rows}


def thuiszitter_facts(grid: Grid) -> Facts:
    rows = (
        Thuiszitter.objects.filter(started_on__lte=grid.last_day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=grid.first_day))
        .filter(Q(school_id__in=grid.schools) | Q(school__isnull=True, child__school_id__in=grid.schools))
        .values_list("child_id", "school_id", "child__school_id", "started_on", "ended_on")
    )
    facts: Facts = {}
    for child, school, current, started, ended in rows:
        for y in grid.years:
            if started <= y.last_day and (ended is None or ended >= y.first_day):
                facts.setdefault((school or current, y.start_year), set()).add(child)
    return facts


def unauthorised_hours(grid: Grid) -> Facts:
    rows = (
        AbsenceMonth.objects.filter(grid.window("month"), kind=AbsenceKind.UNAUTHORISED, school_id__in=grid.schools)
        .values(at=F("school_id"), year=grid.year_of("month"))
        .annotate(minutes=Sum("minutes"))
    )
    minutes = {(r["at"], r["year"]): r["minutes"] for r in rows}
    for fact, school, year, total, _count in grid.corrections():
        if fact == ABSENCE_PREFIX + AbsenceKind.UNAUTHORISED:
            minutes[(school, year)] = minutes.get((school, year), 0) + total
    return {key: Decimal(value) / 60 for key, value in minutes.items()}


def monthly(grid: Grid) -> dict[str, Facts]:
    """Every fact of the monthly rollup (`MonthlyFact`), summed per school and school year: one query for all."""
    rows = (
        MonthlyFact.objects.filter(school_year__in=[y.start_year for y in grid.years], school_id__in=grid.schools)
        .values("fact", "school_id", "school_year")
        .annotate(total=Sum("total"), n=Sum("count"))
        .order_by()
        .values_list("fact", "school_id", "school_year", "total", "n")
    )
    found: dict[str, Facts] = defaultdict(dict)
    for fact, school, year, total, n in rows:
        found[fact][(school, year)] = (total, n)
    for fact, school, year, total, n in grid.corrections():
        if not fact.startswith(ABSENCE_PREFIX):
            before = found[fact].get((school, year), (0, 0))
            found[fact][(school, year)] = (before[0] + total, before[1] + n)
    return found


def _rolled_up(fact: str, *, count_only: bool = False) -> Callable[[Grid], Facts]:
    """The facts of one rollup fact: (sum, count) for a mean or a share, or the plain count of children."""

    def facts(grid: Grid) -> Facts:
        if monthly not in grid._cache:
            grid._cache[monthly] = monthly(grid)
        found = grid._cache[monthly].get(fact, {})
        return {key: value[0] for key, value in found.items()} if count_only else found

    facts.__name__ = f"rollup_{fact}"
    return facts


class SecondsBetween(Func):
    """Seconds from one moment to a later one, computed by the database: moving two timestamps per row to Python
    and subtracting there costs ten times more on PostgreSQL."""

    output_field = FloatField()

    def _parts(self, compiler: Any) -> tuple[str, str, tuple[Any, ...]]:
        (start, start_params), (end, end_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return start, end, (*end_params, *start_params)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        start, end, params = self._parts(compiler)
        return f"EXTRACT(EPOCH FROM ({end} - {start}))::float8", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        start, end, params = self._parts(compiler)
        return f"((julianday({end}) - julianday({start})) * 86400.0)", params


def _requests(grid: Grid) -> Any:
    return HelpRequest.objects.filter(grid.window("requested_at", moment=True), case__team__school_id__in=grid.schools)


def waiting_facts(grid: Grid) -> Facts:
    rows = (
        _requests(grid)
        .filter(first_contact_at__isnull=False)
        .annotate(
            year=grid.year_of("requested_at", moment=True), wait=SecondsBetween("requested_at", "first_contact_at")
        )
        .order_by()
        .values_list("case__team__school_id", "year", "wait")
    )
    facts: Facts = {}
    for school, year, seconds in rows:
        facts.setdefault((school, year), []).append(seconds / 86400)
    return facts


def provider_facts(grid: Grid) -> Facts:
    rows = (
        ProviderRating.objects.filter(school_id__in=grid.schools, school_year__in=[str(y) for y in grid.years])
        .values("school_id", "school_year")
        .annotate(total=Sum("score"), count=Count("pk"))
    )
    return {(r["school_id"], SchoolYear.parse(r["school_year"]).start_year): (r["total"], r["count"]) for r in rows}


def no_facts(grid: Grid) -> Facts:
    return {}


@dataclass(frozen=True)
class Indicator:
    key: str
    description: str  # Dutch, for the dashboard and the report
    unit: str
    kind: str
    facts: Callable[[Grid], Facts]
    places: str = "0.1"
    school_types: frozenset[str] | None = None  # only schools of these types count
    short: str = ""  # a short Dutch label for a chart axis or a narrow table column (the description if empty)

    @property
    def label(self) -> str:
        """The short Dutch label (never the key: no code word reaches a page)."""
        return self.short or self.description

    @property
    def is_count(self) -> bool:
        """A count of children: it depends on the size of the schools, so it is compared per 100 pupils."""
        return self.kind == DISTINCT


INDICATORS: list[Indicator] = [
    Indicator(
        "thuiszitters",
        "Aantal thuiszitters (relatief en absoluut) in het schooljaar",
        "kinderen",
        DISTINCT,
        thuiszitter_facts,
        "1",
        short="Thuiszitters",
    ),
    Indicator(
        "absence_primary",
        "Ongeoorloofd verzuim per leerling, primair onderwijs",
        "uur",
        PER_PUPIL,
        unauthorised_hours,
        "0.01",
        PRIMARY,
        short="Ongeoorloofd verzuim po",
    ),
    Indicator(
        "absence_secondary",
        "Ongeoorloofd verzuim per leerling, voortgezet onderwijs",
        "uur",
        PER_PUPIL,
        unauthorised_hours,
        "0.01",
        SECONDARY,
        short="Ongeoorloofd verzuim vo",
    ),
    Indicator(
        "drop_out",
        "Voortijdig schoolverlaten: leerlingen die zonder startkwalificatie vertrokken (vo en mbo)",
        "%",
        PERCENT_OF_PUPILS,
        _rolled_up("drop_out", count_only=True),
        "0.1",
        SECONDARY,
        short="Voortijdig schoolverlaten",
    ),
    Indicator(
        "afstroom",
        "Afstroom: leerlingen die naar een lager niveau of speciaal onderwijs gingen",
        "%",
        PERCENT_OF_PUPILS,
        _rolled_up("down", count_only=True),
        short="Afstroom",
    ),
    Indicator(
        "wellbeing",
        "Welbevinden volgens ouders, jongeren en leraren bij evaluaties (1 tot 10)",
        "score",
        MEAN,
        _rolled_up("wellbeing"),
        short="Welbevinden",
    ),
    Indicator(
        "feedback_helps",
        "Ouders, jongeren en leraren merken dat de hulp bijdraagt aan de doelen (1 tot 5)",
        "score",
        MEAN,
        _rolled_up("helps"),
        "0.01",
        short="Hulp draagt bij",
    ),
    Indicator(
        "goal_attainment",
        "Doelen bereikt volgens ouders, jongeren en professionals (1 tot 5)",
        "score",
        MEAN,
        _rolled_up("goals"),
        "0.01",
        short="Doelen bereikt",
    ),
    Indicator(
        "solved_in_school",
        "Deel van de afgesloten hulpvragen dat binnen school is opgelost",
        "%",
        PERCENT,
        _rolled_up("solved"),
        short="Opgelost binnen school",
    ),
    Indicator(
        "waiting_days",
        "Wachttijd van hulpvraag tot eerste contact (mediaan)",
        "dagen",
        MEDIAN,
        waiting_facts,
        short="Wachttijd tot eerste contact",
    ),
    Indicator(
        "brought_in",
        "Deel van de hulp dat de school in is gehaald (erbij halen) in plaats van doorverwezen",
        "%",
        PERCENT,
        _rolled_up("brought_in"),
        short="Hulp de school in gehaald",
    ),
    Indicator(
        "provider_value",
        "Toegevoegde waarde van jeugdhulpaanbieders voor school, volgens scholen (1 tot 5)",
        "score",
        MEAN,
        provider_facts,
        "0.01",
        short="Waarde van aanbieders",
    ),
    Indicator(
        "cost_per_pupil",
        "Uitgaven van het populatiebudget per leerling van de proeftuin",
        "euro",
        PILOT_SPEND_PER_PUPIL,
        no_facts,
        "0.01",
        short="Uitgaven per leerling",
    ),
]
BY_KEY = {i.key: i for i in INDICATORS}


def _q(value: Decimal | float | int, places: str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places))


def _pilot_spend(pilot: Pilot | None, year: SchoolYear) -> Decimal | None:
    if pilot is None:
        return None
    spent = (pilot.actual or {}).get(str(year.start_year - pilot.start_year + 1))
    return None if spent in (None, "") else Decimal(str(spent))


def _combine(
    indicator: Indicator, found: dict[int, Any], schools: frozenset[int], pupils: int, scope: Scope, year: SchoolYear
) -> Figure:
    parts = [found[s] for s in found.keys() & schools]
    kind, places = indicator.kind, indicator.places
    if kind == DISTINCT:
        children = set().union(*parts) if parts else set()
        return Figure(Decimal(len(children)), len(children))
    if kind in (PER_PUPIL, PERCENT_OF_PUPILS):
        if not pupils:
            return Figure(None, 0)
        total = sum(parts, Decimal(0))
        return Figure(_q(total * (100 if kind == PERCENT_OF_PUPILS else 1) / pupils, places), pupils)
    if kind in (PERCENT, MEAN):
        part, whole = sum(p[0] for p in parts), sum(p[1] for p in parts)
        if not whole:
            return Figure(None, 0)
        return Figure(_q(Decimal(part) * (100 if kind == PERCENT else 1) / whole, places), whole)
    if kind == MEDIAN:
        values = [v for p in parts for v in p]
        return Figure(_q(median(values), places) if values else None, len(values))
    if kind == PILOT_SPEND_PER_PUPIL:
        spent = _pilot_spend(scope.pilot, year)
        return Figure(None if spent is None or not pupils else _q(spent / pupils, places), pupils)
    raise ValueError(kind)


def compute_grid(
    scopes: Mapping[str, Scope],
    years: Sequence[SchoolYear],
    indicators: Sequence[Indicator] = INDICATORS,
    *,
    restated: bool = False,
) -> dict[tuple[str, SchoolYear], dict[str, Figure]]:
    """Every indicator for every scope and school year: one grouped query per kind of fact. The figures are the
    rollups' — for a frozen school year the published ones; `restated` applies the recorded restatements
    (rollup.Restatement) instead, for the *Herzien cijfer* shown next to a published figure."""
    years = tuple(years)
    every = frozenset().union(*(s.schools for s in scopes.values())) if scopes else frozenset()
    grid = Grid(years, every, restated)
    schools = Organisation.objects.filter(pk__in=every, kind=OrganisationKind.SCHOOL)
    types = dict(schools.values_list("pk", "school_type"))
    pupils = dict(
        Child.objects.filter(school_id__in=every, anonymised_at__isnull=True)
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    result: dict[tuple[str, SchoolYear], dict[str, Figure]] = {(name, y): {} for name in scopes for y in years}
    for indicator in indicators:
        if indicator.facts not in grid._cache:
            by_year: dict[int, dict[int, Any]] = defaultdict(dict)
            for (school, year), value in indicator.facts(grid).items():
                by_year[year][school] = value
            grid._cache[indicator.facts] = by_year
        by_year = grid._cache[indicator.facts]
        for name, scope in scopes.items():
            counted = scope.schools
            if indicator.school_types is not None:
                counted = frozenset(s for s in counted if types.get(s) in indicator.school_types)
            scope_pupils = sum(pupils.get(s, 0) for s in counted)
            for y in years:
                result[(name, y)][indicator.key] = (
                    replace(
                        _combine(indicator, by_year.get(y.start_year, {}), counted, scope_pupils, scope, y),
                        pupils=scope_pupils,
                    )
                    if counted
                    else Figure(None, 0)
                )
    return result


def compute_all(schools: Sequence[int], year: SchoolYear, pilot: Pilot | None = None) -> dict[str, Value]:
    """The value of every indicator for one set of schools in one school year."""
    figures = compute_grid({"scope": Scope(frozenset(schools), pilot)}, [year])[("scope", year)]
    return {key: figure.value for key, figure in figures.items()}
