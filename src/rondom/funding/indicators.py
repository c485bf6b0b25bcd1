"""The pilot indicators, defined in one declarative place: each has a key, a short Dutch description and a
computation over the children of a set of schools in one school year. A scope is a set of schools: one school,
the schools of a wijk, of a pilot or of the city. (More indicators — drop-out, afstroom, welbevinden, cost per
child — and the comparison with a comparison area follow with the dashboard.)"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median

from django.db.models import Avg, Count, Q, Sum

from rondom.attendance.models import AbsenceKind, AbsenceRecord
from rondom.cases.models import Case, GoalEvaluation, HelpRequest
from rondom.cases.workflow import State
from rondom.registry.models import Child
from rondom.thuiszitters.models import Thuiszitter


@dataclass(frozen=True)
class SchoolYear:
    """'2026-2027': 1 August 2026 up to and including 31 July 2027."""

    start_year: int

    @classmethod
    def parse(cls, text: str) -> SchoolYear:
        first, _, second = text.partition("-")
        if not (first.isdigit() and second.isdigit() and int(second) == int(first) + 1):
            raise ValueError(f"not a school year: {text!r}")
        return cls(int(first))

    @property
    def first_day(self) -> date:
        return date(self.start_year, 8, 1)

    @property
    def last_day(self) -> date:
        return date(self.start_year + 1, 7, 31)

    def __str__(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"


Value = Decimal | None
Compute = Callable[[list[int], SchoolYear], Value]


@dataclass(frozen=True)
class Indicator:
    key: str
    description: str  # Dutch, for the dashboard and the report
    unit: str
    compute: Compute


def _d(value: float | int | Decimal | None, places: str = "0.01") -> Value:
    return None if value is None else Decimal(str(value)).quantize(Decimal(places))


def thuiszitters(schools: list[int], year: SchoolYear) -> Value:
    found = Thuiszitter.objects.filter(
        Q(school_id__in=schools) | Q(school__isnull=True, child__school_id__in=schools),
        started_on__lte=year.last_day,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=year.first_day))
    return Decimal(found.values("child_id").distinct().count())


def _absence_per_pupil(schools: list[int], year: SchoolYear, school_types: Iterable[str]) -> Value:
    scoped = [s for s in schools if s in set(_schools_of_type(schools, school_types))]
    pupils = Child.objects.filter(school_id__in=scoped).count()
    if not pupils:
        return None
    minutes = (
        AbsenceRecord.objects.filter(
            school_id__in=scoped, kind=AbsenceKind.UNAUTHORISED, date__gte=year.first_day, date__lte=year.last_day
        ).aggregate(total=Sum("minutes"))["total"]
        or 0
    )
    return _d(Decimal(minutes) / 60 / pupils)


def _schools_of_type(schools: list[int], types: Iterable[str]) -> list[int]:
    from rondom.accounts.models import Organisation

    return list(Organisation.objects.filter(pk__in=schools, school_type__in=list(types)).values_list("pk", flat=True))


def absence_primary(schools: list[int], year: SchoolYear) -> Value:
    return _absence_per_pupil(schools, year, ("po", "sbo", "so"))


def absence_secondary(schools: list[int], year: SchoolYear) -> Value:
    return _absence_per_pupil(schools, year, ("vo", "pro", "vso", "mbo"))


def solved_in_school(schools: list[int], year: SchoolYear) -> Value:
    closed = Case.objects.filter(
        team__school_id__in=schools,
        status__state=State.CLOSED,
        status__changed_at__date__gte=year.first_day,
        status__changed_at__date__lte=year.last_day,
    ).aggregate(total=Count("pk"), inside=Count("pk", filter=Q(solved_within_school=True)))
    return _d(Decimal(100) * closed["inside"] / closed["total"], "0.1") if closed["total"] else None


def waiting_days(schools: list[int], year: SchoolYear) -> Value:
    pairs = HelpRequest.objects.filter(
        case__team__school_id__in=schools,
        requested_at__date__gte=year.first_day,
        requested_at__date__lte=year.last_day,
        first_contact_at__isnull=False,
    ).values_list("requested_at", "first_contact_at")
    days = [(contact - asked).total_seconds() / 86400 for asked, contact in pairs if contact is not None]
    return _d(median(days), "0.1") if days else None


def brought_in(schools: list[int], year: SchoolYear) -> Value:
    counts = HelpRequest.objects.filter(
        case__team__school_id__in=schools, requested_at__date__gte=year.first_day, requested_at__date__lte=year.last_day
    ).aggregate(total=Count("pk"), bring_in=Count("pk", filter=Q(kind=HelpRequest.Kind.BRING_IN)))
    return _d(Decimal(100) * counts["bring_in"] / counts["total"], "0.1") if counts["total"] else None


def goal_attainment(schools: list[int], year: SchoolYear) -> Value:
    found = GoalEvaluation.objects.filter(
        plan__child__school_id__in=schools, evaluated_on__gte=year.first_day, evaluated_on__lte=year.last_day
    ).aggregate(mean=Avg("score"))["mean"]
    return _d(found, "0.01")


INDICATORS: list[Indicator] = [
    Indicator("thuiszitters", "Aantal thuiszitters (relatief en absoluut) in het schooljaar", "kinderen", thuiszitters),
    Indicator("absence_primary", "Ongeoorloofd verzuim per leerling, primair onderwijs", "uur", absence_primary),
    Indicator("absence_secondary", "Ongeoorloofd verzuim per leerling, voortgezet onderwijs", "uur", absence_secondary),
    Indicator(
        "solved_in_school", "Deel van de afgesloten hulpvragen dat binnen school is opgelost", "%", solved_in_school
    ),
    Indicator("waiting_days", "Wachttijd van hulpvraag tot eerste contact (mediaan)", "dagen", waiting_days),
    Indicator(
        "brought_in",
        "Deel van de hulp dat de school in is gehaald (erbij halen) in plaats van doorverwezen",
        "%",
        brought_in,
    ),
    Indicator(
        "goal_attainment",
        "Doelen bereikt volgens ouders, jongeren en professionals (1 tot 5)",
        "score",
        goal_attainment,
    ),
]


def compute_all(schools: list[int], year: SchoolYear) -> dict[str, Value]:
    return {indicator.key: indicator.compute(schools, year) for indicator in INDICATORS}
