"""Five school years of monitoring facts for the synthetic Zwolle (`population.generate`): what the pilot indicators
count, so that the monitoring dashboard has a history to show and the indicators benchmark a realistic volume.

Per school year (the current one up to yesterday, and the years before it):

- absence records: most pupils a few sick days, some authorised days and late arrivals; unauthorised absence for
  a minority, a little for many and a lot for a few (primary schools register whole or half days, secondary
  schools lesson hours); more sickness in winter; no absence in the school holidays or before a child's fourth
  birthday. About a million rows at full scale. The monthly rollup is refreshed afterwards.
- signals and cases in the support team with their status history (registered, discussed, plan, evaluations,
  scaled down, closed), help brought in or referred (with the time to first contact), plans for the children who
  need one, goal evaluations and short questionnaires (helps / welbevinden) at every evaluation round;
- thuiszitter periods, school moves (drop-out from secondary and mbo, afstroom to a lower level or special
  education, a few others), the schools' ratings of the providers, and each pilot's actual spending per pilot year.

Simplifications: the population of today stands for every year. Every fact counts at the child's current school (a
pupil now in secondary school has his earlier years there too); absence and cases start at a child's fourth
birthday, and the other pupils of the school make up for those who were too young then, so that rates per pupil
do not drift only because of that; moves and thuiszitters go by today's age. A school year under way gets only its
part so far. The pilots' schools slowly improve after their pilot started, so that the dashboard has something to
show. The pilot for special forms of education gets the special schools (sbo, so, vso, pro) when it has none.

Deterministic for a seed; idempotent (a second run writes nothing); one transaction; rows are written with
explicit ids and times in large batches (COPY on PostgreSQL), because the auto-filled times (`registered_at`,
`changed_at`, ...) must lie in the past.
"""

from __future__ import annotations

import random
import time as clock
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from rondom.accounts.models import Organisation
from rondom.attendance.models import AbsenceKind, AbsenceRecord
from rondom.attendance.services import refresh_absence_months
from rondom.cases.models import (
    Case,
    CaseStatus,
    GoalEvaluation,
    HelpRequest,
    Plan,
    PlanVersion,
    ProviderContact,
    Signal,
    SupportTeam,
)
from rondom.cases.workflow import State
from rondom.core.schoolyear import SchoolYear
from rondom.feedback.models import FeedbackResponse, ProviderRating, Respondent
from rondom.funding.models import Pilot
from rondom.registry.models import Child, Guardianship, SchoolMove
from rondom.schoolcalendar.services import add_working_days
from rondom.thuiszitters.models import Reason, Thuiszitter, ThuiszitterKind

from . import casework
from .casework import _goals

MARK = "[demo-history]"
PRIMARY = frozenset({"po", "sbo", "so"})
SECONDARY = frozenset({"vo", "pro", "vso", "mbo"})
#: Minutes of a school day (primary) and of a lesson hour (secondary).
DAY_MINUTES = {"po": 300, "sbo": 300, "so": 300}
SECONDARY_DAY_MINUTES = 330
LESSON_MINUTES = 50
#: Approximate school holidays of region north, as (month, day) ranges: autumn, Christmas, spring, May, summer.
HOLIDAYS = [((10, 13), (10, 20)), ((12, 21), (12, 31)), ((1, 1), (1, 3)), ((2, 15), (2, 22)), ((4, 26), (5, 5))]
SUMMER = ((7, 11), (8, 23))
#: How much more often children are sick in each month than on average.
SICK_SEASON = {1: 1.5, 2: 1.4, 3: 1.2, 4: 0.9, 5: 0.8, 6: 0.7, 7: 0.6, 8: 0.6, 9: 0.8, 10: 1.0, 11: 1.2, 12: 1.4}
#: Per pupil per school year.
CASE_RATE = 0.065
THUISZITTER_RATE = 0.0035
DROP_OUT_RATE = {"vo": 0.012, "pro": 0.03, "vso": 0.03, "mbo": 0.04}
DOWN_RATE_VO = 0.03
BATCH = 20_000


@dataclass
class HistoryReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class Year:
    start_year: int
    first_day: date
    last_day: date  # the school year's last day, or yesterday for the current year
    days: tuple[date, ...]  # school days
    sick_cum: tuple[float, ...]  # cumulative sick weights per school day
    share: float  # the part of the school year's days that lie before today (1 for a past year)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"


def _in_holiday(day: date) -> bool:
    key = (day.month, day.day)
    if SUMMER[0] <= key <= SUMMER[1]:
        return True
    return any(start <= key <= end for start, end in HOLIDAYS)


def school_years(today: date, years: int) -> list[Year]:
    current = SchoolYear.of(today).start_year
    found = []
    for start_year in range(current - years + 1, current + 1):
        first, last = date(start_year, 8, 1), min(date(start_year + 1, 7, 31), today - timedelta(days=1))
        every = []
        day = first
        while day <= date(start_year + 1, 7, 31):
            if day.weekday() < 5 and not _in_holiday(day):
                every.append(day)
            day += timedelta(days=1)
        days = tuple(d for d in every if d <= last)
        cum = tuple(accumulate(SICK_SEASON[d.month] for d in days))
        found.append(Year(start_year, first, last, days, cum, len(days) / len(every)))
    return found


class Writer:
    """Rows with explicit ids, written in large batches: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self) -> None:
        self.models: list[type[models.Model]] = []
        self.next_ids: dict[type[models.Model], int] = {}

    def ids(self, model: type[models.Model], n: int) -> range:
        if model not in self.next_ids:
            top = model._default_manager.aggregate(top=models.Max("pk"))["top"] or 0
            self.next_ids[model] = top + 1
            self.models.append(model)
        first = self.next_ids[model]
        self.next_ids[model] = first + n
        return range(first, first + n)

    def objects(self, objs: Sequence[models.Model]) -> None:
        """Model instances with their pk set; every concrete field is written as it is (auto_now too)."""
        if not objs:
            return
        model = type(objs[0])
        fields = list(model._meta.concrete_fields)
        rows = [tuple(f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields) for o in objs]
        self.rows(model, [str(f.column) for f in fields], rows)

    def rows(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)

    def finish(self) -> None:
        """PostgreSQL: move the id sequences past the ids written here."""
        statements = connection.ops.sequence_reset_sql(no_style(), self.models)
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)


def _at(rng: random.Random, day: date) -> datetime:
    """A moment on a working day; now and then just after midnight (a late entry), which is the day before in UTC."""
    if rng.random() < 0.02:
        moment = time(0, rng.randint(0, 59))
    else:
        minutes = rng.randint(8 * 60, 17 * 60)
        moment = time(minutes // 60, minutes % 60)
    return timezone.make_aware(datetime.combine(day, moment))


def _fourth_birthday(born: date) -> date:
    try:
        return born.replace(year=born.year + 4)
    except ValueError:  # 29 February
        return born.replace(year=born.year + 4, day=28)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class Context:
    """What every part of the history needs: the pupils, their schools, the pilots' effect, ids and the writer."""

    def __init__(self, rng: random.Random, today: date, years: int) -> None:
        self.rng = rng
        self.today = today
        self.years = school_years(today, years)
        self.writer = Writer()
        self.types: dict[int, str] = dict(
            Organisation.objects.filter(kind="school").order_by("pk").values_list("pk", "school_type")
        )
        self.pupils: list[tuple[int, int, date]] = list(
            Child.objects.filter(school__isnull=False, anonymised_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "school_id", "date_of_birth")
        )
        self.need = {school: rng.lognormvariate(0, 0.3) for school in sorted(self.types)}
        self.pilot_start: dict[int, int] = {}
        for pilot in Pilot.objects.order_by("pk").prefetch_related("schools"):
            for member in pilot.schools.all():
                self.pilot_start[member.pk] = min(self.pilot_start.get(member.pk, 9999), pilot.start_year)
        self.first_start = self.years[0].start_year
        # The share of each school's pupils of today who were at least four in each year (the middle of it).
        old_enough: dict[tuple[int, int], int] = {}
        pupils: dict[int, int] = {}
        for _child, school, born in self.pupils:
            pupils[school] = pupils.get(school, 0) + 1
            four = _fourth_birthday(born)
            for year in self.years:
                if four <= date(year.start_year + 1, 2, 1):
                    old_enough[(school, year.start_year)] = old_enough.get((school, year.start_year), 0) + 1
        self.coverage = {key: n / pupils[key[0]] for key, n in old_enough.items()}

    def pilot_years(self, school: int, start_year: int) -> int:
        """How many years the school's pilot has run in this school year (0: no pilot yet)."""
        return max(0, min(start_year - self.pilot_start.get(school, 9999) + 1, 3))

    def factor(self, school: int, start_year: int) -> float:
        """How much trouble a school sees: its own need, a slow rise in the city, less after its pilot started."""
        rise = 1 + 0.04 * (start_year - self.first_start)
        return self.need.get(school, 1.0) * rise * (1 - 0.1 * self.pilot_years(school, start_year))

    def weight(self, school: int, start_year: int) -> float:
        """`factor` for facts of children who were old enough for school at the time: the children of today who
        were too young then make up for themselves through the others, so that a school's rates per pupil do not
        rise only because its youngest pupils of today were not yet at school five years ago."""
        return self.factor(school, start_year) / max(self.coverage.get((school, start_year), 0.0), 0.3)


# --- Absence --------------------------------------------------------------------------------------------------


def _absence(ctx: Context, bar: tqdm) -> int:
    taken = set(AbsenceRecord.objects.values_list("child_id", "date", "lesson_hour"))
    taken_children = {child for child, _d, _h in taken}
    postgres = connection.vendor == "postgresql"
    columns = ["child_id", "school_id", "date", "lesson_hour", "kind", "minutes"]
    total = 0
    for year in ctx.years:
        rows = _absence_year(ctx, year, taken, taken_children, postgres)
        ctx.writer.rows(AbsenceRecord, columns, rows)
        total += len(rows)
        bar.update(1)
    return total


def _absence_year(
    ctx: Context, year: Year, taken: set[tuple[int, date, int]], taken_children: set[int], postgres: bool
) -> list[tuple[Any, ...]]:
    rng = ctx.rng
    rand, randint, randrange = rng.random, rng.randint, rng.randrange
    days = year.days
    values = list(days) if postgres else [d.isoformat() for d in days]
    cum = year.sick_cum
    n = len(days)
    if not n:
        return []
    unauthorised, sick, authorised = (
        AbsenceKind.UNAUTHORISED.value,
        AbsenceKind.SICK.value,
        AbsenceKind.AUTHORISED.value,
    )
    late, exemption = AbsenceKind.LATE.value, AbsenceKind.EXEMPTION.value
    share = year.share
    partial = share < 1
    rows: list[tuple[Any, ...]] = []
    factors: dict[int, float] = {}
    for child, school, born in ctx.pupils:
        lo = bisect_left(days, _fourth_birthday(born))
        if lo >= n:
            continue
        school_type = ctx.types.get(school, "po")
        secondary = school_type in SECONDARY
        day_minutes = SECONDARY_DAY_MINUTES if secondary else DAY_MINUTES.get(school_type, 300)
        trouble = factors.get(school)
        if trouble is None:
            trouble = factors[school] = ctx.weight(school, year.start_year)
        slots: list[tuple[int, int, str, int]] = []  # (day index, lesson hour, kind, minutes)
        add = slots.append

        # Sick: a few episodes of one to five school days, more in winter.
        base = cum[lo - 1] if lo else 0.0
        span = cum[-1] - base
        for _episode in range(rng.choices((0, 1, 2, 3, 4, 5, 6), (22, 28, 22, 13, 8, 4, 3))[0]):
            start = bisect_right(cum, base + rand() * span, lo, n - 1)
            length = rng.choice((1, 1, 1, 2, 2, 3, 5))
            for index in range(start, min(start + length, n)):
                add((index, 0, sick, day_minutes // 2 if rand() < 0.12 else day_minutes))
        # Authorised: the doctor, a funeral, a wedding.
        if rand() < 0.3:
            for _d in range(randint(1, 2)):
                add((randrange(lo, n), 0, authorised, day_minutes // 2 if rand() < 0.5 else day_minutes))
        if rand() < 0.01:
            add((randrange(lo, n), 0, exemption, day_minutes))
        # Late: secondary schools register it per first lesson hour.
        for _l in range(rng.choice((0, 0, 0, 1, 1, 2, 3, 5) if secondary else (0, 0, 0, 0, 0, 1, 2))):
            add((randrange(lo, n), 1 if secondary else 0, late, rng.choice((5, 10, 15))))
        # Unauthorised: none for most, a little for some, a lot for a few.
        # Primary schools register (half) days, secondary schools lesson hours, and skipping is a secondary matter.
        roll = rand() / trouble / (1.0 if secondary else 0.5)
        events = 0
        if roll < 0.02:
            events = randint(20, 80)
        elif roll < 0.1:
            events = randint(5, 15)
        elif roll < 0.3:
            events = randint(1, 4)
        for _e in range(events):
            index = randrange(lo, n)
            if secondary:
                first = randint(1, 8)
                for hour in range(first, min(first + rng.choice((1, 1, 1, 2, 2, 3)), 9)):
                    add((index, hour, unauthorised, LESSON_MINUTES))
            else:
                add((index, 0, unauthorised, day_minutes // 2 if rand() < 0.4 else day_minutes))
        # One row per slot (child, day, lesson hour); the demo's own recent absence keeps its rows. A school year
        # under way has had only part of its days: only that part of a whole year's absence.
        used: set[tuple[int, int]] = set()
        check = child in taken_children
        for index, hour, kind, minutes in slots:
            if (index, hour) in used or (check and (child, days[index], hour) in taken):
                continue
            if partial and rand() >= share:
                continue
            used.add((index, hour))
            rows.append((child, school, values[index], hour, kind, minutes))
    return rows


# --- Cases, help, plans, evaluations and questionnaires --------------------------------------------------------

CONCERNS = ["learning", "behaviour", "social_emotional", "attendance", "home", "health", "safety"]


@dataclass
class Step:
    state: str
    day: date


def _path(rng: random.Random, registered: date) -> tuple[list[Step], bool]:
    """A case's course from registration: (the steps, whether outside help is involved). Steps may lie in the
    future; the caller cuts them at today."""
    steps = [Step(State.REGISTERED, registered)]
    day = registered + timedelta(days=rng.randint(3, 15))
    steps.append(Step(State.IN_DISCUSSION, day))
    if rng.random() < 0.25:  # solved in the discussion, or refused with reasons
        steps.append(Step(State.CLOSED, day + timedelta(days=rng.randint(7, 30))))
        return steps, False
    if rng.random() < 0.06:
        day += timedelta(days=rng.randint(5, 20))
        steps.append(Step(State.ON_HOLD, day))
    day += timedelta(days=rng.randint(7, 30))
    steps.append(Step(State.PLAN_ACTIVE, day))
    for _round in range(3):
        day += timedelta(days=rng.randint(40, 120))
        steps.append(Step(State.EVALUATION, day))
        roll = rng.random()
        if roll < 0.55:
            steps.append(Step(State.CLOSED, day + timedelta(days=rng.randint(1, 14))))
            return steps, True
        day += timedelta(days=rng.randint(1, 10))
        steps.append(Step(State.SCALED_DOWN if roll < 0.85 else State.PLAN_ACTIVE, day))
    steps.append(Step(State.CLOSED, day + timedelta(days=rng.randint(30, 90))))
    return steps, True


def _casework(ctx: Context, bar: tqdm) -> dict[str, int]:
    rng, today, writer = ctx.rng, ctx.today, ctx.writer
    teams = dict(SupportTeam.objects.order_by("pk").values_list("school_id", "pk"))
    missing = sorted({school for _c, school, _b in ctx.pupils} - set(teams))
    if missing:
        new_teams = [
            SupportTeam(pk=pk, school_id=school)
            for pk, school in zip(writer.ids(SupportTeam, len(missing)), missing, strict=True)
        ]
        writer.objects(new_teams)
        teams.update({t.school_id: t.pk for t in new_teams})
    providers = list(Organisation.objects.filter(kind="provider").order_by("pk").values_list("pk", flat=True))
    contacts = {
        (p, s): m
        for p, s, m in ProviderContact.objects.exclude(school=None)
        .order_by("pk")
        .values_list("provider_id", "school_id", "membership_id")
    }
    plans = dict(Plan.objects.order_by("pk").values_list("child_id", "pk"))
    plan_goals = {
        pk: [g["id"] for g in content.get("goals", [])] for pk, content in Plan.objects.values_list("pk", "content")
    }
    guardians: dict[int, int] = {}
    for child, parent in Guardianship.objects.order_by("pk").values_list("child_id", "user_id"):
        guardians.setdefault(child, parent)
    busy_until: dict[int, date] = {}  # a child's latest case runs until then
    filers = casework.signal_filers()  # the school's own staff filed its worries (None: no demo account)

    signals: list[Signal] = []
    cases: list[Case] = []
    statuses: list[CaseStatus] = []
    requests: list[HelpRequest] = []
    new_plans: list[Plan] = []
    versions: list[PlanVersion] = []
    evaluations: list[GoalEvaluation] = []
    answers: list[FeedbackResponse] = []
    answered: set[tuple[int, int, date]] = set(
        FeedbackResponse.objects.exclude(answered_by=None).values_list("plan_id", "answered_by_id", "round")  # type: ignore[misc]
    )
    now = timezone.make_aware(datetime.combine(today, time.min))
    for year in ctx.years:
        if not year.days:
            bar.update(1)
            continue
        factors: dict[int, float] = {}
        for child, school, born in ctx.pupils:
            trouble = factors.get(school)
            if trouble is None:
                trouble = factors[school] = ctx.weight(school, year.start_year)
            if rng.random() >= CASE_RATE * min(trouble, 2.5) * year.share:
                continue
            registered = rng.choice(year.days)
            if _age(born, registered) < 4 or busy_until.get(child, date.min) >= registered:
                continue
            steps, outside = _path(rng, registered)
            busy_until[child] = steps[-1].day
            steps = [s for s in steps if s.day < today]
            pilot_years = ctx.pilot_years(school, year.start_year)
            case_id = writer.ids(Case, 1)[0]
            signal_id = writer.ids(Signal, 1)[0]
            registered_at = _at(rng, registered)
            signals.append(
                Signal(
                    pk=signal_id,
                    child_id=child,
                    source=rng.choice(["teacher", "teacher", "teacher", "parent", "wijkteam", "youth_doctor", "gp"]),
                    concerns=sorted(rng.sample(CONCERNS, rng.randint(1, 2))),
                    description=f"{MARK} Zorg over de ontwikkeling op school.",
                    raised_at=registered_at - timedelta(days=rng.randint(7, 30)),
                    raised_by_id=filers[school][child % len(filers[school])] if school in filers else None,
                    conversation_on=registered - timedelta(days=rng.randint(1, 6)),
                    conversation_notes="Ouders herkennen het beeld.",
                    conversation_with_child=rng.random() < 0.5,
                )
            )
            status_ids = writer.ids(CaseStatus, len(steps))
            for step, status_id in zip(steps, status_ids, strict=True):
                statuses.append(
                    CaseStatus(
                        pk=status_id,
                        case_id=case_id,
                        state=step.state,
                        reason="Doelen bereikt" if step.state == State.CLOSED else "",
                        until=step.day + timedelta(days=21) if step.state == State.ON_HOLD else None,
                        changed_at=registered_at if step.state == State.REGISTERED else _at(rng, step.day),
                    )
                )
            closed = steps[-1].state == State.CLOSED
            # Help from outside once the plan runs: brought in (more often in a pilot) or a referral.
            plan_step = next((s for s in steps if s.state == State.PLAN_ACTIVE), None)
            helped = False
            if plan_step is not None and outside and providers:
                roll = rng.random()
                bring_in = 0.22 + 0.06 * pilot_years
                referral = 0.10 - 0.02 * pilot_years
                kind = (
                    HelpRequest.Kind.BRING_IN
                    if roll < bring_in
                    else (HelpRequest.Kind.REFERRAL if roll < bring_in + referral else None)
                )
                asked_on = plan_step.day + timedelta(days=rng.randint(0, 10))
                if kind is not None and asked_on < today:
                    provider = rng.choice(providers)
                    asked = _at(rng, asked_on)
                    if kind == HelpRequest.Kind.BRING_IN:
                        wait = rng.choices((1, 2, 3, 5, 8, 13, 21, 34), (6, 10, 12, 12, 9, 6, 3, 1))[0]
                        wait = max(1, round(wait * (1 - 0.15 * pilot_years)))
                        contact = contacts.get((provider, school))
                    else:
                        wait, contact = rng.randint(14, 120), None
                    contacted = asked + timedelta(days=wait, minutes=rng.randint(-240, 240))
                    first_contact = None if rng.random() < 0.05 or contacted >= now else contacted
                    joined = first_contact + timedelta(days=2) if first_contact and contact else None
                    requests.append(
                        HelpRequest(
                            pk=writer.ids(HelpRequest, 1)[0],
                            case_id=case_id,
                            kind=kind,
                            provider_id=provider,
                            contact_id=contact,
                            question=f"{MARK} Meekijken in de klas en de ouders ondersteunen."
                            if kind == HelpRequest.Kind.BRING_IN
                            else f"{MARK} Verwijzing via de huisarts.",
                            categories=["youth_care"],
                            ends_on=asked_on + timedelta(days=120),
                            requested_at=asked,
                            first_contact_at=first_contact,
                            joined_at=joined if joined is not None and joined < now else None,
                        )
                    )
                    helped = True
            solved = rng.random() < 0.85 + 0.04 * pilot_years if not helped else False
            cases.append(
                Case(
                    pk=case_id,
                    child_id=child,
                    team_id=teams[school],
                    signal_id=signal_id,
                    question=f"{MARK} Wat heeft dit kind nodig om goed mee te doen?",
                    registered_at=registered_at,
                    decision_due=add_working_days(registered, 5),
                    status_id=status_ids[-1],
                    solved_within_school=solved if closed else None,
                )
            )
            if plan_step is None:
                continue
            # The child's plan (one per child), then goal evaluations and questionnaires at every evaluation round.
            plan_id = plans.get(child)
            if plan_id is None:
                treatment = rng.random() < 0.2
                content = {"goals": _goals(rng, treatment)}
                plan_id = plans[child] = writer.ids(Plan, 1)[0]
                plan_goals[plan_id] = [g["id"] for g in content["goals"]]
                saved = _at(rng, plan_step.day)
                new_plans.append(
                    Plan(
                        pk=plan_id,
                        child_id=child,
                        includes_treatment=treatment,
                        content=content,
                        version=1,
                        next_evaluation=None if closed else plan_step.day + timedelta(days=rng.randint(40, 120)),
                        updated_at=saved,
                    )
                )
                versions.append(
                    PlanVersion(
                        pk=writer.ids(PlanVersion, 1)[0],
                        plan_id=plan_id,
                        number=1,
                        content=content,
                        includes_treatment=treatment,
                        saved_at=saved,
                    )
                )
            goals = plan_goals.get(plan_id) or []
            rounds = [s.day for s in steps if s.state == State.EVALUATION]
            for number, round_day in enumerate(rounds):
                mood = 0.25 * pilot_years + 0.2 * number - 0.3 * (trouble - 1)
                raters = ["parent", "professional"]
                if rng.random() < 0.6:
                    raters.append("teacher")
                if _age(born, round_day) >= 12 and rng.random() < 0.7:
                    raters.append("youth")
                for goal in goals:
                    for rater in raters:
                        score = min(5, max(1, round(rng.gauss(3.3 + mood, 0.9))))
                        evaluations.append(
                            GoalEvaluation(
                                pk=writer.ids(GoalEvaluation, 1)[0],
                                plan_id=plan_id,
                                goal_id=goal,
                                rater=rater,
                                score=score,
                                evaluated_on=round_day,
                            )
                        )
                respondents: list[tuple[str, int | None]] = [
                    (Respondent.PARENT, guardians.get(child)),
                    (Respondent.TEACHER, None),
                ]
                if _age(born, round_day) >= 12:
                    respondents.append((Respondent.YOUTH, None))
                for respondent, user in respondents:
                    answered_on = round_day + timedelta(days=rng.randint(0, 7))
                    if answered_on >= today or rng.random() < 0.2:
                        continue
                    if user is not None:
                        if (plan_id, user, round_day) in answered:
                            continue
                        answered.add((plan_id, user, round_day))
                    wellbeing = min(10, max(1, round(rng.gauss(6.6 + 2 * mood, 1.4))))
                    answers.append(
                        FeedbackResponse(
                            pk=writer.ids(FeedbackResponse, 1)[0],
                            plan_id=plan_id,
                            school_id=school,
                            respondent=respondent,
                            answered_by_id=user,
                            round=round_day,
                            answered_on=answered_on,
                            helps=min(5, max(1, round(rng.gauss(3.4 + mood, 0.9)))),
                            wellbeing=None if respondent == Respondent.TEACHER and rng.random() < 0.3 else wellbeing,
                        )
                    )
        bar.update(1)
    # Parents first: a case's foreign keys point at signals, statuses at cases, the case at its latest status.
    writer.objects(signals)
    writer.objects(new_plans)
    writer.objects(versions)
    _write_cases_and_statuses(writer, cases, statuses)
    writer.objects(requests)
    writer.objects(evaluations)
    writer.objects(answers)
    return {
        "cases": len(cases),
        "case_statuses": len(statuses),
        "closed_cases": sum(1 for c in cases if c.solved_within_school is not None),
        "help_requests": len(requests),
        "plans": len(new_plans),
        "goal_evaluations": len(evaluations),
        "feedback_responses": len(answers),
    }


def _write_cases_and_statuses(writer: Writer, cases: list[Case], statuses: list[CaseStatus]) -> None:
    """Cases and their statuses point at each other: cases first without their status, then the statuses, then
    each case's latest status."""
    latest = {case.pk: case.status_id for case in cases}
    for case in cases:
        case.status_id = None
    writer.objects(cases)
    writer.objects(statuses)
    table, pk = connection.ops.quote_name(Case._meta.db_table), connection.ops.quote_name("id")
    column = connection.ops.quote_name("status_id")
    pairs = [(status, case) for case, status in latest.items()]
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), BATCH):
            sql = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s"  # noqa: S608 (names from the model)
            cursor.executemany(sql, pairs[start : start + BATCH])
    for case in cases:
        case.status_id = latest[case.pk]


# --- Thuiszitters, school moves, provider ratings, pilot spending ----------------------------------------------


def _thuiszitters(ctx: Context) -> int:
    rng, today = ctx.rng, ctx.today
    busy = set(Thuiszitter.objects.values_list("child_id", flat=True))
    reasons = [r for r in Reason.values if r != Reason.NOT_ENROLLED]
    rows: list[Thuiszitter] = []
    for year in ctx.years:
        if not year.days:
            continue
        for child, school, born in ctx.pupils:
            rate = THUISZITTER_RATE * ctx.factor(school, year.start_year) * year.share
            if rng.random() >= rate or child in busy or _age(born, today) < 5:
                continue
            started = rng.choice(year.days)
            busy.add(child)
            ended: date | None = started + timedelta(days=rng.randint(30, 260))
            if ended is not None and ended >= today:
                ended = None
            absolute = rng.random() < 0.1
            rows.append(
                Thuiszitter(
                    pk=ctx.writer.ids(Thuiszitter, 1)[0],
                    child_id=child,
                    kind=ThuiszitterKind.ABSOLUTE if absolute else ThuiszitterKind.RELATIVE,
                    authorised=not absolute and rng.random() < 0.3,
                    reason=Reason.NOT_ENROLLED if absolute else rng.choice(reasons),
                    started_on=started,
                    ended_on=ended,
                    end_note="Terug naar school." if ended else "",
                    school_id=None if absolute else school,
                    registered_at=_at(rng, min(started + timedelta(days=28), today - timedelta(days=1))),
                    decided=ended is not None,
                )
            )
    ctx.writer.objects(rows)
    return len(rows)


def _moves(ctx: Context) -> dict[str, int]:
    rng = ctx.rng
    by_type: dict[str, list[int]] = {}
    for school, school_type in ctx.types.items():
        by_type.setdefault(school_type, []).append(school)
    rows: list[SchoolMove] = []
    moved: set[int] = set()

    def move(child: int, source: int | None, target: int | None, kind: str, year: Year) -> None:
        moved.add(child)
        day = rng.choice(year.days)
        rows.append(
            SchoolMove(
                pk=ctx.writer.ids(SchoolMove, 1)[0],
                child_id=child,
                from_school_id=source,
                to_school_id=target,
                kind=kind,
                moved_on=day,
                recorded_at=_at(rng, min(day + timedelta(days=rng.randint(0, 10)), ctx.today - timedelta(days=1))),
            )
        )

    for year in ctx.years:
        if not year.days:
            continue
        for child, school, born in ctx.pupils:
            if child in moved:
                continue
            school_type = ctx.types.get(school, "po")
            age = _age(born, ctx.today)  # the population of today stands for every year's
            trouble = ctx.factor(school, year.start_year) * year.share
            roll = rng.random()
            if school_type in DROP_OUT_RATE and age >= 15 and roll < DROP_OUT_RATE[school_type] * trouble:
                move(child, school, None, SchoolMove.Kind.DROP_OUT, year)
                continue
            if school_type in ("sbo", "so") and 5 <= age <= 11 and roll > 1 - 0.06 * trouble:
                move(child, rng.choice(by_type.get("po") or [school]), school, SchoolMove.Kind.DOWN, year)
            elif school_type in ("vso", "pro") and age >= 12 and roll > 1 - 0.06 * trouble:
                move(child, rng.choice(by_type.get("vo") or [school]), school, SchoolMove.Kind.DOWN, year)
            elif school_type == "vo" and age >= 12 and roll > 1 - DOWN_RATE_VO * trouble:
                others = [s for s in by_type.get("vo", []) if s != school] or [school]
                move(child, rng.choice(others), school, SchoolMove.Kind.DOWN, year)
            elif school_type == "vo" and age >= 12 and roll < 0.01:
                others = [s for s in by_type.get("vo", []) if s != school] or [school]
                move(child, rng.choice(others), school, rng.choice([SchoolMove.Kind.UP, SchoolMove.Kind.SAME]), year)
    ctx.writer.objects(rows)
    return {
        "drop_outs": sum(1 for r in rows if r.kind == SchoolMove.Kind.DROP_OUT),
        "afstroom": sum(1 for r in rows if r.kind == SchoolMove.Kind.DOWN),
        "other_moves": sum(1 for r in rows if r.kind not in (SchoolMove.Kind.DROP_OUT, SchoolMove.Kind.DOWN)),
    }


def _ratings(ctx: Context) -> int:
    rng = ctx.rng
    providers = list(Organisation.objects.filter(kind="provider").order_by("pk").values_list("pk", flat=True))
    existing = set(ProviderRating.objects.values_list("school_id", "provider_id", "school_year"))
    rows: list[ProviderRating] = []
    for year in ctx.years:
        current = year.last_day < date(year.start_year + 1, 7, 31)
        for school in sorted(ctx.types):
            if not providers or (current and rng.random() < 0.7):
                continue
            bonus = 0.3 * ctx.pilot_years(school, year.start_year)
            for provider in rng.sample(providers, min(len(providers), rng.randint(1, 3))):
                if (school, provider, year.label) in existing:
                    continue
                rows.append(
                    ProviderRating(
                        pk=ctx.writer.ids(ProviderRating, 1)[0],
                        school_id=school,
                        provider_id=provider,
                        school_year=year.label,
                        score=min(5, max(1, round(rng.gauss(3.4 + bonus, 0.9)))),
                        rated_at=_at(rng, year.days[-1] if year.days else year.last_day),
                    )
                )
    ctx.writer.objects(rows)
    return len(rows)


#: Yearly spending of a pilot without a baseline on record, by kind (euro).
DEFAULT_SPENDING = {"area": 1_250_000, "special_education": 2_400_000, "specific_care": 980_000}


def _spending(ctx: Context) -> int:
    """Each pilot's actual spending per pilot year that has begun (year 1 is the pilot's first school year)."""
    rng = ctx.rng
    current = ctx.years[-1].start_year
    written = 0
    for pilot in Pilot.objects.order_by("pk"):
        if pilot.actual:
            continue
        base = sum((Decimal(str(v)) for v in (pilot.baseline or {}).values()), Decimal(0))
        base = base or Decimal(DEFAULT_SPENDING.get(pilot.kind, 1_000_000))
        shrink = Decimal(pilot.shrink_percent or 3) / 100
        actual = {}
        for number in range(1, min(pilot.years, current - pilot.start_year + 1) + 1):
            spent = base * (1 - shrink) ** number * Decimal(str(round(rng.uniform(0.96, 1.04), 3)))
            actual[str(number)] = str(spent.quantize(Decimal("0.01")))
        if actual:
            Pilot.objects.filter(pk=pilot.pk).update(actual=actual)
            written += len(actual)
    return written


def generate(rng: random.Random, today: date | None = None, years: int = 5, progress: bool = True) -> HistoryReport:
    """Fill `years` school years (the current one and those before it) for the children that exist now."""
    started = clock.perf_counter()
    report = HistoryReport()
    if Case.objects.filter(question__startswith=MARK).exists():
        return report
    today = today or timezone.localdate()
    with transaction.atomic():
        special = Pilot.objects.filter(kind=Pilot.Kind.SPECIAL_EDUCATION, schools__isnull=True).first()
        if special is not None:
            special.schools.add(
                *Organisation.objects.filter(kind="school", school_type__in=["sbo", "so", "vso", "pro"])
            )
        ctx = Context(rng, today, years)
        if not ctx.pupils:
            return report
        bar = tqdm(total=2 * len(ctx.years) + 2, desc="history", unit=" step", disable=not progress)
        bar.set_postfix_str("absence")
        counts: dict[str, int] = {"absence_records": _absence(ctx, bar)}
        bar.set_postfix_str("cases")
        counts.update(_casework(ctx, bar))
        bar.set_postfix_str("thuiszitters, moves, ratings")
        counts["thuiszitters"] = _thuiszitters(ctx)
        counts.update(_moves(ctx))
        counts["provider_ratings"] = _ratings(ctx)
        counts["pilot_years_spent"] = _spending(ctx)
        ctx.writer.finish()
        bar.update(1)
        bar.set_postfix_str("absence per month")
        counts["absence_months"] = refresh_absence_months()
        bar.update(1)
        bar.close()
    report.counts = counts
    report.seconds = clock.perf_counter() - started
    return report
