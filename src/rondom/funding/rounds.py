"""The yearly allocation round of school social work in one municipality, computed from the real data: the facts per
school (pupils, open cases, thuiszitters, unauthorised absence), the rules the municipality sets, Bloz's advice and
the municipality's decision; and the hours realised against the hours allocated.

Who does what: a policy officer of the municipality computes (and recomputes) the round and decides it; a policy
officer of a school board of that municipality gives Bloz's advice. A recompute clears an earlier advice (it was
given on other figures). Once decided, the round is what counts: no recompute and no new advice.

The facts are measured over the school year *before* the round's school year (the last complete year): thuiszitter
periods and unauthorised absence of that year; pupils enrolled and cases open at the moment of computing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import tasks
from rondom.accounts.models import Organisation, User
from rondom.attendance.models import AbsenceKind, AbsenceRecord
from rondom.cases.models import Case, SocialWorkActivity
from rondom.cases.workflow import State
from rondom.core.roles import OrganisationKind
from rondom.core.schoolyear import SchoolYear
from rondom.formats import Money, Percent
from rondom.registry.models import Child, Municipality
from rondom.thuiszitters.models import Thuiszitter

from .allocation import CENTS, FACTS, HOURS, ONE, Rules, SchoolFacts, allocate, need_indexes, split_exactly, validate
from .models import AllocationRound
from .officers import municipalities_of

HUNDRED = Decimal(100)
INDEX = Decimal("0.0001")
ROLES = [r.value for r in SocialWorkActivity.Role]


# --- who may do what -------------------------------------------------------------------------------------------------


#: Policy staff of these organisations see the allocation and the pilots (as on the monitoring dashboard).
def policy_municipalities(user: User) -> list[Municipality]:
    """The municipalities of the user's policy-officer roles (municipality, school board or SWV); PermissionDenied
    for anyone else."""
    return list(Municipality.objects.filter(pk__in=municipalities_of(user)).order_by("name"))


def may_compute(user: User, municipality: Municipality) -> bool:
    """The municipality sets the rules and computes the round: task right `compute_allocation` (access.tasks; the
    gemeente by configuration, never by its own kind, issue 12)."""
    return tasks.may(user, "compute_allocation", municipality)


def may_decide(user: User, municipality: Municipality) -> bool:
    """The municipality decides the round: task right `decide_allocation` (access.tasks)."""
    return tasks.may(user, "decide_allocation", municipality)


def may_advise(user: User, municipality: Municipality) -> bool:
    """Bloz (the school boards together) advises: task right `advise_allocation` (access.tasks), a policy officer of
    a school board of this municipality."""
    return tasks.may(user, "advise_allocation", municipality)


# --- rules -----------------------------------------------------------------------------------------------------------


def rules_from_percentages(
    *,
    base_hours: Decimal,
    maatwerk_hours: Decimal,
    weights_percent: dict[str, Decimal],
    rate: Decimal,
    weeks: int,
    school_share_percent: Decimal,
    regional_split: bool,
    municipality: str,
) -> Rules:
    """Rules as the form gives them (weights and the school's share in %), validated. A ValidationError names the
    field: `base_hours`, `maatwerk_hours`, `rate`, `weeks`, `school_share` or `weights`."""
    errors: dict[str, str] = {}
    for name, value in (("base_hours", base_hours), ("maatwerk_hours", maatwerk_hours), ("rate", rate)):
        if value < 0:
            errors[name] = _("This cannot be negative.")
    if weeks <= 0:
        errors["weeks"] = _("Give at least one week.")
    if not Decimal(0) <= school_share_percent <= HUNDRED:
        errors["school_share"] = _("The school's share must be between 0 and 100 %.")
    if any(w < 0 for w in weights_percent.values()) or sum(weights_percent.values(), Decimal(0)) != HUNDRED:
        errors["weights"] = _("The weights must be 0 or more and add up to 100 %.")
    if errors:
        raise ValidationError(errors)
    rules = Rules(
        base_hours=base_hours,
        maatwerk_hours=maatwerk_hours,
        weights={k: v / HUNDRED for k, v in weights_percent.items() if v},
        rate=rate,
        weeks=weeks,
        school_share=school_share_percent / HUNDRED,
        regional_split=regional_split,
        municipality=municipality,
    )
    validate(rules)
    return rules


def rules_to_json(rules: Rules, facts_from: SchoolYear) -> dict[str, Any]:
    return {
        "base_hours": str(rules.base_hours),
        "maatwerk_hours": str(rules.maatwerk_hours),
        "weights": {k: str(v) for k, v in rules.weights.items()},
        "rate": str(rules.rate),
        "weeks": rules.weeks,
        "school_share": str(rules.school_share),
        "regional_split": rules.regional_split,
        "municipality": rules.municipality,
        "facts_from": str(facts_from),
    }


def form_initial(round_: AllocationRound | None) -> dict[str, Any]:
    """The rules of an earlier computation as the form shows them (in %), or the defaults."""
    if round_ is None or not round_.rules:
        return {
            "base_hours": Decimal(4),
            "maatwerk_hours": Decimal(0),
            "weight_pupils": HUNDRED,
            "weight_open_cases": Decimal(0),
            "weight_thuiszitters": Decimal(0),
            "weight_absence_hours": Decimal(0),
            "rate": Decimal(0),
            "weeks": 40,
            "school_share": Decimal(50),
            "regional_split": True,
        }
    r = round_.rules
    weights = {k: Decimal(v) * HUNDRED for k, v in r.get("weights", {}).items()}
    return {
        "base_hours": Decimal(r["base_hours"]),
        "maatwerk_hours": Decimal(r["maatwerk_hours"]),
        **{f"weight_{name}": weights.get(name, Decimal(0)).normalize() for name in FACTS},
        "rate": Decimal(r["rate"]),
        "weeks": r["weeks"],
        "school_share": (Decimal(r["school_share"]) * HUNDRED).normalize(),
        "regional_split": r["regional_split"],
    }


# --- facts -----------------------------------------------------------------------------------------------------------


def schools_of(municipality: Municipality) -> list[Organisation]:
    return list(Organisation.objects.filter(kind=OrganisationKind.SCHOOL, municipality=municipality).order_by("name"))


def facts_for(schools: list[Organisation], measured: SchoolYear) -> dict[int, SchoolFacts]:
    """The facts per school, in four grouped queries whatever the number of schools."""
    ids = [s.pk for s in schools]
    today = timezone.localdate()
    pupils: dict[int, dict[str, int]] = defaultdict(dict)
    enrolled = (
        Child.objects.filter(school_id__in=ids, anonymised_at__isnull=True)
        .filter(Q(left_school_on__isnull=True) | Q(left_school_on__gt=today))
        .values_list("school_id", "home_municipality__name")
        .annotate(n=Count("pk"))
    )
    for school_id, home, n in enrolled:
        pupils[school_id][home] = n
    open_cases = dict(
        Case.objects.filter(team__school_id__in=ids)
        .exclude(status__state=State.CLOSED)
        .values_list("team__school_id")
        .annotate(n=Count("pk"))
        .values_list("team__school_id", "n")
    )
    thuiszitters = dict(
        Thuiszitter.objects.annotate(at=Coalesce(F("school_id"), F("child__school_id")))
        .filter(at__in=ids, started_on__lte=measured.last_day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=measured.first_day))
        .values_list("at")
        .annotate(n=Count("child_id", distinct=True))
        .values_list("at", "n")
    )
    minutes = dict(
        AbsenceRecord.objects.filter(
            school_id__in=ids,
            kind=AbsenceKind.UNAUTHORISED,
            date__gte=measured.first_day,
            date__lte=measured.last_day,
        )
        .values_list("school_id")
        .annotate(total=Sum("minutes"))
        .values_list("school_id", "total")
    )
    return {
        pk: SchoolFacts(
            pupils=sum(pupils[pk].values()),
            open_cases=open_cases.get(pk, 0),
            thuiszitters=thuiszitters.get(pk, 0),
            absence_hours=(Decimal(minutes.get(pk) or 0) / 60).quantize(HOURS),
            pupils_by_municipality=dict(pupils[pk]),
        )
        for pk in ids
    }


# --- the round -------------------------------------------------------------------------------------------------------


def current_round(municipality: Municipality, school_year: SchoolYear) -> AllocationRound | None:
    return AllocationRound.objects.filter(municipality=municipality, school_year=str(school_year)).first()


def _refuse_if_decided(round_: AllocationRound | None) -> None:
    if round_ is not None and round_.decided_at is not None:
        raise ValidationError(
            _("This allocation was decided on %(day)s; it can no longer be changed.")
            % {"day": timezone.localtime(round_.decided_at).strftime("%d-%m-%Y")}
        )


def compute(user: User, municipality: Municipality, school_year: SchoolYear, rules: Rules) -> AllocationRound:
    """Compute (or recompute) the round from the data as it is now. Refused once decided; nothing changes then."""
    if not may_compute(user, municipality):
        raise PermissionDenied
    validate(rules)
    measured = SchoolYear(school_year.start_year - 1)
    schools = schools_of(municipality)
    facts = facts_for(schools, measured)
    names = {s.pk: s.name for s in schools}
    by_key = {str(pk): f for pk, f in facts.items()}
    allocations = {int(a.school): a for a in allocate(by_key, rules)}
    index = split_exactly(ONE, need_indexes(by_key, rules.weights), INDEX) if by_key else {}
    result = [
        {
            "school": pk,
            "name": names[pk],
            "facts": {
                "pupils": facts[pk].pupils,
                "open_cases": facts[pk].open_cases,
                "thuiszitters": facts[pk].thuiszitters,
                "absence_hours": str(facts[pk].absence_hours),
            },
            "need_index": str(index[str(pk)]),
            "base_hours": str(a.base_hours),
            "maatwerk_hours": str(a.maatwerk_hours),
            "hours": str(a.hours),
            "cost": str(a.cost),
            "school_pays": str(a.school_pays),
            "municipalities_pay": {m: str(v) for m, v in sorted(a.municipalities_pay.items())},
        }
        for pk, a in sorted(allocations.items(), key=lambda item: (names[item[0]], item[0]))
    ]
    with transaction.atomic():
        round_ = (
            AllocationRound.objects.select_for_update()
            .filter(municipality=municipality, school_year=str(school_year))
            .first()
        )
        _refuse_if_decided(round_)
        if round_ is None:
            round_ = AllocationRound(municipality=municipality, school_year=str(school_year))
        round_.rules = rules_to_json(rules, measured)
        round_.result = result
        round_.computed_at = timezone.now()
        round_.advice, round_.advice_by, round_.advice_at = "", None, None
        round_.save()
    return round_


def advise(user: User, round_: AllocationRound, advice: str) -> AllocationRound:
    """Bloz's advice on the computed round; it may be revised until the round is decided."""
    if not may_advise(user, round_.municipality):
        raise PermissionDenied
    if not advice.strip():
        raise ValidationError({"advice": _("Write the advice first.")})
    with transaction.atomic():
        round_ = AllocationRound.objects.select_for_update().get(pk=round_.pk)
        _refuse_if_decided(round_)
        if round_.computed_at is None:
            raise ValidationError(_("The allocation has not been computed yet."))
        round_.advice, round_.advice_by, round_.advice_at = advice.strip(), user, timezone.now()
        round_.save()
    return round_


def decide(user: User, round_: AllocationRound, note: str) -> AllocationRound:
    """The municipality's final decision, after Bloz's advice. Afterwards the round cannot change."""
    if not may_decide(user, round_.municipality):
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"decision_note": _("Write down what was decided.")})
    with transaction.atomic():
        round_ = AllocationRound.objects.select_for_update().get(pk=round_.pk)
        _refuse_if_decided(round_)
        if round_.computed_at is None:
            raise ValidationError(_("The allocation has not been computed yet."))
        if round_.advice_at is None:
            raise ValidationError(_("Bloz has not given its advice yet."))
        round_.decision_note, round_.decided_by, round_.decided_at = note.strip(), user, timezone.now()
        round_.save()
    return round_


def status(round_: AllocationRound | None) -> str:
    if round_ is None or round_.computed_at is None:
        return _("Not computed yet")
    if round_.decided_at is not None:
        return _("Decided")
    if round_.advice_at is not None:
        return _("Advised by Bloz, awaiting the decision")
    return _("Computed, awaiting the advice of Bloz")


# --- tables ----------------------------------------------------------------------------------------------------------


@dataclass
class AllocationTable:
    municipalities: list[str]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]

    def header(self) -> list[str]:
        return [
            _("School"),
            _("Pupils"),
            _("Open cases"),
            _("Thuiszitters"),
            _("Unauthorised absence (hours)"),
            _("Need index"),
            _("Base hours a week"),
            _("Maatwerk hours a week"),
            _("Total hours a week"),
            _("Cost"),
            _("School pays"),
            *[_("%(municipality)s pays") % {"municipality": m} for m in self.municipalities],
        ]

    def values(self, row: dict[str, Any]) -> list[Any]:
        return [
            row["name"],
            row["pupils"],
            row["open_cases"],
            row["thuiszitters"],
            row["absence_hours"],
            row["need_index"],
            row["base_hours"],
            row["maatwerk_hours"],
            row["hours"],
            row["cost"],
            row["school_pays"],
            *row["pays"],
        ]


def allocation_table(round_: AllocationRound) -> AllocationTable:
    """The stored result as rows with Decimals, one column per paying municipality (the round's own first), and
    totals that are the sums of the rows."""
    own = round_.municipality.name
    others = sorted({m for r in round_.result for m in r["municipalities_pay"]} - {own})
    municipalities = [own, *others] if any(own in r["municipalities_pay"] for r in round_.result) else others
    rows = []
    for r in round_.result:
        pays = [Money(r["municipalities_pay"].get(m, "0")) for m in municipalities]
        rows.append(
            {
                "school": r["school"],
                "name": r["name"],
                "pupils": r["facts"]["pupils"],
                "open_cases": r["facts"]["open_cases"],
                "thuiszitters": r["facts"]["thuiszitters"],
                "absence_hours": Decimal(r["facts"]["absence_hours"]),
                "need_index": Decimal(r["need_index"]),
                "base_hours": Decimal(r["base_hours"]),
                "maatwerk_hours": Decimal(r["maatwerk_hours"]),
                "hours": Decimal(r["hours"]),
                "cost": Money(r["cost"]),
                "school_pays": Money(r["school_pays"]),
                "pays": pays,
            }
        )
    totals: dict[str, Any] = {"name": _("Total")}
    for key in ("pupils", "open_cases", "thuiszitters"):
        totals[key] = sum(r[key] for r in rows)
    for key in ("absence_hours", "need_index", "base_hours", "maatwerk_hours", "hours"):
        totals[key] = sum((r[key] for r in rows), Decimal(0))
    for key in ("cost", "school_pays"):
        totals[key] = Money(sum((r[key] for r in rows), Decimal(0)))
    totals["pays"] = [Money(sum((r["pays"][i] for r in rows), Decimal(0))) for i in range(len(municipalities))]
    return AllocationTable(municipalities, rows, totals)


@dataclass
class RealisedRow:
    name: str
    allocated: Decimal
    by_role: dict[str, Decimal] = field(default_factory=dict)

    @property
    def realised(self) -> Decimal:
        return sum(self.by_role.values(), Decimal("0.00"))

    @property
    def difference(self) -> Decimal:
        """Realised minus allocated (negative: fewer hours given than allocated)."""
        return self.realised - self.allocated

    @property
    def percent(self) -> Percent | None:
        return (
            Percent((HUNDRED * self.realised / self.allocated).quantize(Decimal("0.1"), ROUND_HALF_UP))
            if self.allocated
            else None
        )

    @property
    def roles(self) -> list[Decimal]:
        return [self.by_role.get(role, Decimal("0.00")) for role in ROLES]


@dataclass
class RealisedTable:
    rows: list[RealisedRow]
    total: RealisedRow

    @staticmethod
    def header() -> list[str]:
        return [
            _("School"),
            _("Allocated hours in the year"),
            *[str(label) for label in SocialWorkActivity.Role.labels],
            _("Realised hours"),
            _("Difference (realised minus allocated)"),
            _("Realised, percentage of allocated"),
        ]

    @staticmethod
    def values(row: RealisedRow) -> list[Any]:
        return [row.name, row.allocated, *row.roles, row.realised, row.difference, row.percent]


def realised_table(round_: AllocationRound) -> RealisedTable:
    """Per school: the hours allocated for the year (hours a week × weeks) against the hours school social workers
    logged at the school in the round's school year, split by the three roles of school social work."""
    year = SchoolYear.parse(round_.school_year)
    weeks = int(round_.rules.get("weeks", 0))
    rows = {r["school"]: RealisedRow(r["name"], (Decimal(r["hours"]) * weeks).quantize(CENTS)) for r in round_.result}
    logged = (
        SocialWorkActivity.objects.filter(school_id__in=list(rows), date__gte=year.first_day, date__lte=year.last_day)
        .values_list("school_id", "role")
        .annotate(total=Sum("hours"))
        .values_list("school_id", "role", "total")
    )
    for school_id, role, hours in logged:
        rows[school_id].by_role[role] = Decimal(hours or 0).quantize(CENTS)
    total = RealisedRow(_("Total"), sum((r.allocated for r in rows.values()), Decimal("0.00")))
    for role in ROLES:
        total.by_role[role] = sum((r.by_role.get(role, Decimal(0)) for r in rows.values()), Decimal("0.00"))
    return RealisedTable(list(rows.values()), total)
