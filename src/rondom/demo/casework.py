"""Synthetic casework on top of the synthetic children: signals, cases in every workflow state, plans, help
brought in or referred, and school social work hours, at rates in line with the sources (about 60-70 % of
support questions solved inside school). Deterministic from the random generator it is given; idempotent."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rondom.access.models import AccessGrant
from rondom.accounts.models import Membership, Organisation, User
from rondom.cases.models import (
    ActionItem,
    AgendaDecision,
    AgendaItem,
    Case,
    CaseStatus,
    HelpRequest,
    Meeting,
    Plan,
    PlanVersion,
    ProviderContact,
    Signal,
    SocialWorkActivity,
    SupportTeam,
)
from rondom.cases.workflow import State
from rondom.consent.models import Capacity, Consent, ConsentGiver, Purpose
from rondom.registry.models import Child, GroupTeacher
from rondom.schoolcalendar.services import add_working_days

#: Share of pupils with a signal this school year, and how the resulting cases are spread over the states.
SIGNAL_RATE = 0.08
STATE_MIX = [
    (State.REGISTERED, 0.08),
    (State.IN_DISCUSSION, 0.14),
    (State.PLAN_ACTIVE, 0.34),
    (State.EVALUATION, 0.10),
    (State.SCALED_DOWN, 0.05),
    (State.ON_HOLD, 0.04),
    (State.CLOSED, 0.25),
]
#: Of the cases past discussion: help brought in, or a referral outside school (the rest is solved in school).
BRING_IN_RATE = 0.22
REFERRAL_RATE = 0.10
CONCERNS = ["learning", "behaviour", "social_emotional", "attendance", "home", "health", "safety"]
GOAL_TEXTS = {
    "school": [
        ("Leest zelfstandig een boek", "AVI E5 aan het eind van het schooljaar"),
        ("Vraagt hulp als het vastloopt", "Elke rekenles minstens één keer"),
        ("Werkt 20 minuten geconcentreerd", "Vier van de vijf dagen"),
        ("Is op tijd op school", "Niet meer dan één keer te laat per maand"),
    ],
    "home": [("Slaapt op tijd", "Vijf avonden per week voor half negen"), ("Vaste ochtendroutine", "Elke schooldag")],
    "leisure": [("Sport bij een club in de wijk", "Eén keer per week")],
}


#: Share of the families with a case that agreed to pseudonymised research (demo only).
RESEARCH_CONSENT_RATE = 0.35


@dataclass
class CaseworkReport:
    counts: dict[str, int] = field(default_factory=dict)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


#: The roles at a school that file a worry in the app, themselves or on behalf of a parent or a doctor.
SIGNAL_FILER_ROLES = ("teacher", "intern_begeleider", "zorgcoordinator")


def signal_filers() -> dict[int, list[int]]:
    """School id -> the ids of the users who file signals there (SIGNAL_FILER_ROLES), in membership order. The
    synthetic schools have no staff accounts: their signals were filed by people without a demo login (None)."""
    filers: dict[int, list[int]] = {}
    for school, user in (
        Membership.objects.filter(role__in=SIGNAL_FILER_ROLES, organisation__kind="school")
        .order_by("pk")
        .values_list("organisation_id", "user_id")
    ):
        filers.setdefault(school, []).append(user)
    return filers


def raised_moment(rng: random.Random, conversation_on: date) -> datetime:
    """When a worry was filed: 1 to 14 days before the conversation with parents and child (the worry comes
    first), during school hours (08:00-17:00, Europe/Amsterdam). Before `conversation_on`, so never after the
    demo's today when the conversation lies before it."""
    day = conversation_on - timedelta(days=rng.randint(1, 14))
    minutes = rng.randint(8 * 60, 17 * 60)
    return timezone.make_aware(datetime.combine(day, time(minutes // 60, minutes % 60)))


def help_timeline(rng: random.Random, today: date) -> tuple[date, date, date]:
    """(asked on, first contact on, joined on) of help brought in: asked 10 to 60 days ago, first contact after a
    wait of 1 to 13 days, joined two days later; all three lie before `today` (the request is asked early enough
    for its wait), so a provider never holds access from a moment that has not come yet."""
    requested = today - timedelta(days=rng.randint(10, 60))
    wait = rng.choice([1, 2, 3, 5, 8, 13])
    requested = min(requested, today - timedelta(days=wait + 3))
    return requested, requested + timedelta(days=wait), requested + timedelta(days=wait + 2)


def _goals(rng: random.Random, treatment: bool) -> list[dict[str, str]]:
    school = rng.sample(GOAL_TEXTS["school"], 2 if treatment else rng.randint(1, 2))
    other = rng.sample(GOAL_TEXTS["home"] + GOAL_TEXTS["leisure"], rng.randint(0, 2))
    goals = [("school", d, t) for d, t in school] + [
        ("home" if (d, t) in GOAL_TEXTS["home"] else "leisure", d, t) for d, t in other
    ]
    return [
        {
            "id": uuid.UUID(int=rng.getrandbits(128)).hex,
            "domain": domain,
            "description": d,
            "target": t,
            "owner": "mentor" if domain == "school" else "ouders",
            "support_by": "intern begeleider",
            "support_where": "school" if domain == "school" else "thuis",
        }
        for domain, d, t in goals
    ]


@transaction.atomic
def generate(rng: random.Random, *, today: date | None = None) -> CaseworkReport:
    report = CaseworkReport()
    if Case.objects.filter(question__startswith="[demo]").exists():
        return report
    today = today or timezone.localdate()
    system = User.objects.filter(username="ib").first()
    providers = list(Organisation.objects.filter(kind="provider").order_by("pk"))
    contacts = {(c.provider_id, c.school_id): c.membership for c in ProviderContact.objects.exclude(school=None)}
    teams = {t.school_id: t for t in SupportTeam.objects.all()}
    pupils = list(
        Child.objects.filter(school__isnull=False, anonymised_at__isnull=True)
        .exclude(cases__isnull=False)
        .exclude(consents__isnull=False)  # the hand-written stories of data.py keep their own course
        .values_list("pk", "school_id")
        .order_by("pk")
    )
    chosen = [p for p in pupils if rng.random() < SIGNAL_RATE]
    for school_id in {s for _pk, s in chosen} - set(teams):
        teams[school_id] = SupportTeam.objects.create(school_id=school_id)

    signals = [
        Signal(
            child_id=child_id,
            source=rng.choice(["teacher", "teacher", "teacher", "parent", "wijkteam", "youth_doctor", "gp"]),
            concerns=sorted(rng.sample(CONCERNS, rng.randint(1, 2))),
            description="[demo] Zorg over de ontwikkeling op school.",
            conversation_on=today - timedelta(days=rng.randint(7, 200)),
            conversation_notes="Ouders herkennen het beeld en willen meedenken.",
            conversation_with_child=rng.random() < 0.5,
        )
        for child_id, _school in chosen
    ]
    # Who filed each worry and when: drawn from a generator of its own (seeded from `rng`'s state, which it does
    # not advance), so that the rest of the casework stays what it was for a given seed.
    timing = random.Random(str(rng.getstate()))
    filers = signal_filers()
    moments: list[datetime] = []
    for signal, (_child, school_id) in zip(signals, chosen, strict=True):
        staff = filers.get(school_id)
        signal.raised_by_id = timing.choice(staff) if staff else None
        moments.append(raised_moment(timing, signal.conversation_on))  # type: ignore[arg-type]
    Signal.objects.bulk_create(signals, batch_size=2000)
    # raised_at is auto_now_add: bulk_create stamps "now" on every row (and instance); write the drawn moments.
    for signal, moment in zip(signals, moments, strict=True):
        signal.raised_at = moment
    Signal.objects.bulk_update(signals, ["raised_at"], batch_size=2000)
    states = rng.choices([s for s, _w in STATE_MIX], weights=[w for _s, w in STATE_MIX], k=len(signals))
    cases = [
        Case(
            child_id=signal.child_id,
            team=teams[school_id],
            signal=signal,
            question="[demo] Wat heeft dit kind nodig om goed mee te doen?",
            registered_by=system,
            decision_due=add_working_days(signal.conversation_on or today, 5),  # type: ignore[arg-type]
        )
        for signal, (_c, school_id) in zip(signals, chosen, strict=True)
    ]
    Case.objects.bulk_create(cases, batch_size=2000)
    # registered_at and changed_at are auto_now_add (the moment of loading): the case was registered on the day of
    # the conversation, each later step a week after the one before, never after the demo's yesterday.
    registered = {
        case.pk: min(signal.conversation_on or today, today) for case, signal in zip(cases, signals, strict=True)
    }
    for case in cases:
        case.registered_at = _aware(registered[case.pk])
    Case.objects.bulk_update(cases, ["registered_at"], batch_size=2000)

    statuses: list[CaseStatus] = []
    for case, state in zip(cases, states, strict=True):
        statuses.append(CaseStatus(case=case, state=State.REGISTERED, changed_by=system))
        path = {
            State.IN_DISCUSSION: [State.IN_DISCUSSION],
            State.PLAN_ACTIVE: [State.IN_DISCUSSION, State.PLAN_ACTIVE],
            State.EVALUATION: [State.IN_DISCUSSION, State.PLAN_ACTIVE, State.EVALUATION],
            State.SCALED_DOWN: [State.IN_DISCUSSION, State.PLAN_ACTIVE, State.EVALUATION, State.SCALED_DOWN],
            State.ON_HOLD: [State.IN_DISCUSSION, State.ON_HOLD],
            State.CLOSED: [State.IN_DISCUSSION, State.PLAN_ACTIVE, State.EVALUATION, State.CLOSED],
        }.get(state, [])
        for step in path:
            statuses.append(
                CaseStatus(
                    case=case,
                    state=step,
                    changed_by=system,
                    reason="Wachten op onderzoek"
                    if step == State.ON_HOLD
                    else ("Doelen bereikt" if step == State.CLOSED else ""),
                    until=today + timedelta(days=21) if step == State.ON_HOLD else None,
                )
            )
    CaseStatus.objects.bulk_create(statuses, batch_size=5000)
    steps_so_far: dict[int, int] = {}
    for status in statuses:
        order = steps_so_far[status.case_id] = steps_so_far.get(status.case_id, -1) + 1
        # at the latest yesterday: _aware() stamps 10:00, which lies ahead of a demo built early in the morning
        status.changed_at = _aware(
            min(registered[status.case_id] + timedelta(days=7 * order), today - timedelta(days=1))
        )
    CaseStatus.objects.bulk_update(statuses, ["changed_at"], batch_size=5000)
    latest: dict[int, CaseStatus] = {}
    for status in statuses:
        latest[status.case_id] = status
    for case in cases:
        case.status = latest[case.pk]

    plans: list[Plan] = []
    requests: list[tuple[HelpRequest, Consent | None, date]] = []
    grants: list[AccessGrant] = []
    consents: list[tuple[Consent, int | None]] = []
    guardians = dict(Child.objects.filter(pk__in=[c.child_id for c in cases]).values_list("pk", "guardianships__pk"))
    for case in cases:
        case_state = case.state
        if case_state in (State.REGISTERED, State.IN_DISCUSSION, State.ON_HOLD):
            continue
        treatment = rng.random() < 0.2
        goals = _goals(rng, treatment)
        plans.append(
            Plan(
                child_id=case.child_id,
                includes_treatment=treatment,
                content={"goals": goals},
                version=1,
                next_evaluation=today + timedelta(days=rng.randint(14, 90)),
            )
        )
        roll = rng.random()
        school_id = case.team.school_id
        if roll < BRING_IN_RATE and providers:
            provider = rng.choice(providers)
            contact = contacts.get((provider.pk, school_id))
            consent = Consent(
                child_id=case.child_id,
                purpose=Purpose.PROVIDER,
                categories=["support", "youth_care"],
                recipient=provider,
                valid_from=today - timedelta(days=60),
                recorded_by=system,
            )
            consents.append((consent, guardians.get(case.child_id)))
            requested, first_contact, joined_on = help_timeline(rng, today)
            joined = contact is not None and rng.random() < 0.8 and case_state != State.CLOSED
            requests.append(
                (
                    HelpRequest(
                        case=case,
                        kind=HelpRequest.Kind.BRING_IN,
                        provider=provider,
                        contact=contact,
                        question="[demo] Meekijken in de klas en de ouders ondersteunen.",
                        categories=["youth_care"],
                        ends_on=today + timedelta(days=90),
                        requested_by=system,
                        first_contact_at=_aware(first_contact),
                        joined_at=_aware(joined_on) if joined else None,
                    ),
                    consent,
                    requested,
                )
            )
        elif roll < BRING_IN_RATE + REFERRAL_RATE and providers:
            requests.append(
                (
                    HelpRequest(
                        case=case,
                        kind=HelpRequest.Kind.REFERRAL,
                        provider=rng.choice(providers),
                        question="[demo] Verwijzing via de huisarts.",
                        requested_by=system,
                    ),
                    None,
                    today - timedelta(days=rng.randint(10, 120)),
                )
            )
    # Research: about a third of the families with a case agreed to pseudonymised research, so the municipality's
    # research export works in the demo without a legal basis (issue 11 point 10: no dead ends). A generator of its
    # own keeps every other demo fact of a seed as it was.
    research_rng = random.Random("demo-research-consents")
    for child_id in sorted({case.child_id for case in cases}):
        if research_rng.random() < RESEARCH_CONSENT_RATE:
            research = Consent(
                child_id=child_id,
                purpose=Purpose.RESEARCH,
                categories=["support"],
                recipient=None,
                valid_from=today - timedelta(days=research_rng.randint(30, 300)),
                recorded_by=system,
            )
            consents.append((research, guardians.get(child_id)))
    Plan.objects.bulk_create(plans, batch_size=2000)
    versions = [
        PlanVersion(plan=p, number=1, content=p.content, includes_treatment=p.includes_treatment, saved_by=system)
        for p in plans
    ]
    PlanVersion.objects.bulk_create(versions, batch_size=2000)
    Consent.objects.bulk_create([c for c, _g in consents], batch_size=2000)
    givers = [ConsentGiver(consent=c, capacity=Capacity.PARENT, guardianship_id=g) for c, g in consents if g]
    ConsentGiver.objects.bulk_create(givers, batch_size=2000)
    for request, request_consent, _requested in requests:
        request.consent = request_consent
        if request.joined_at is not None and request.contact is not None and request_consent is not None:
            grants.append(
                AccessGrant(
                    child_id=request.case.child_id,
                    grantee=request.contact,
                    consent=request_consent,
                    categories=["youth_care"],
                    valid_from=request.joined_at,
                    valid_until=_aware(request.ends_on or today),
                    granted_by=system,
                )
            )
    AccessGrant.objects.bulk_create(grants, batch_size=2000)
    grant_by_child = {(g.child_id, g.grantee_id): g for g in grants}
    for request, _consent, _requested in requests:
        if request.joined_at is not None and request.contact is not None:
            request.grant = grant_by_child.get((request.case.child_id, request.contact.pk))
    HelpRequest.objects.bulk_create([r for r, _c, _d in requests], batch_size=2000)
    for request, _consent, requested in requests:
        HelpRequest.objects.filter(pk=request.pk).update(requested_at=_aware(requested))

    for case in cases:
        if case.state == State.CLOSED:
            case.solved_within_school = not any(r.case is case and r.joined_at for r, _c, _d in requests)
    Case.objects.bulk_update(cases, ["status", "solved_within_school"], batch_size=2000)

    activities = _social_work(rng, today, system)
    meeting_counts = _meetings(today)
    report.counts = {
        "signals": len(signals),
        "cases": len(cases),
        "plans": len(plans),
        "bring_in": sum(1 for r, _c, _d in requests if r.kind == HelpRequest.Kind.BRING_IN),
        "referrals": sum(1 for r, _c, _d in requests if r.kind == HelpRequest.Kind.REFERRAL),
        "social_work_activities": activities,
        **meeting_counts,
    }
    return report


#: The demo's support-team meetings: (days from the demo's today, start, end, place). One held two weeks ago (with
#: minutes, decisions and actions) and one next week, for each school whose ib'er or zorgcoördinator logs in.
DEMO_MEETINGS = [
    (-14, time(15, 0), time(16, 30), "Teamkamer"),
    (7, time(14, 0), time(15, 30), "Lokaal 12 of via Teams (link in de uitnodiging)"),
]
#: Cases per demo meeting, and the due dates of the actions agreed in the past one (days from the demo's today:
#: one overdue, one due soon, one later), so that "Mijn acties" shows something overdue.
CASES_PER_MEETING = 3
ACTION_DUE_DAYS = [-3, 4, 21]


def _meetings(today: date) -> dict[str, int]:
    """A few meetings with time, place, chair, minutes, decisions and actions at the schools with demo logins (the
    ib'er's De Esch, the zorgcoördinator's Thomas a Kempis). Deterministic: the earliest open cases of each team by
    id, dates relative to the demo's `today`, every timestamp on the meeting's own day."""
    made = {"meetings": 0, "agenda_items": 0, "actions": 0}
    runners = Membership.objects.filter(
        role__in=("intern_begeleider", "zorgcoordinator"), user__username__in=("ib", "zorgco")
    ).select_related("user", "organisation")
    for runner in runners.order_by("pk"):
        team = SupportTeam.objects.filter(school=runner.organisation).first()
        if team is None:
            continue
        team.members.add(runner)
        teacher = Membership.objects.filter(organisation=runner.organisation, role="teacher").order_by("pk").first()
        # The teacher works only with the pupils of her own group (issue 15): her group's cases come first, and she
        # is invited and given actions only on those.
        taught = (
            set(
                GroupTeacher.objects.filter(membership=teacher, ended_on__isnull=True).values_list(
                    "group_id", flat=True
                )
            )
            if teacher is not None
            else set()
        )
        open_cases = sorted(
            Case.objects.filter(team=team, status__state__in=(State.IN_DISCUSSION, State.PLAN_ACTIVE)).select_related(
                "child"
            ),
            key=lambda c: (c.child.school_group_id not in taught, c.pk),
        )[: CASES_PER_MEETING * len(DEMO_MEETINGS)]
        for index, (days, starts, ends, place) in enumerate(DEMO_MEETINGS):
            day = today + timedelta(days=days)
            while day.weekday() >= 5:  # a support team meets on a school day, never at the weekend
                day += timedelta(days=1 if days >= 0 else -1)
            meeting = Meeting.objects.create(
                team=team, date=day, starts_at=starts, ends_at=ends, place=place, chair=runner, planned_by=runner.user
            )
            Meeting.objects.filter(pk=meeting.pk).update(planned_at=_aware(day - timedelta(days=21)))
            made["meetings"] += 1
            for case in open_cases[index * CASES_PER_MEETING : (index + 1) * CASES_PER_MEETING]:
                item = AgendaItem.objects.create(meeting=meeting, case=case, parents_invited=True)
                case_teacher = teacher if case.child.school_group_id in taught else None
                if case_teacher is not None:
                    item.invited.add(case_teacher)
                made["agenda_items"] += 1
                if days >= 0:
                    continue
                item.minutes = (
                    "Besproken wat goed gaat en wat lastig is. Ouders waren aanwezig en denken mee. "
                    "De leerkracht ziet vooruitgang bij begrijpend lezen."
                )
                item.version = 2
                item.save(update_fields=["minutes", "version"])
                item.present.add(runner.user, *([case_teacher.user] if case_teacher else []))
                decision = AgendaDecision.objects.create(
                    item=item, text="Extra begeleiding in de klas, evaluatie over zes weken.", recorded_by=runner.user
                )
                AgendaDecision.objects.filter(pk=decision.pk).update(recorded_at=_aware(day))
                for due_days, owner, text in zip(
                    ACTION_DUE_DAYS,
                    [case_teacher or runner, runner, case_teacher or runner],
                    ["Observatie in de klas verslaan", "Gesprek met ouders plannen", "Handelingsplan bijwerken"],
                    strict=True,
                ):
                    action = ActionItem.objects.create(
                        case=case,
                        description=text,
                        owner=owner,
                        due=today + timedelta(days=due_days),
                        agenda_item=item,
                        created_by=runner.user,
                    )
                    ActionItem.objects.filter(pk=action.pk).update(created_at=_aware(day))
                    made["actions"] += 1
    return made


def _social_work(rng: random.Random, today: date, system: User | None) -> int:
    """School social work: 4 hours per school per week (base), spread over the three roles, for 12 weeks."""
    workers = list(Membership.objects.filter(role="school_social_worker"))
    schools = list(Organisation.objects.filter(kind="school").values_list("pk", flat=True))
    if not workers or not schools:
        return 0
    rows = []
    roles = [
        SocialWorkActivity.Role.SHORT_SUPPORT,
        SocialWorkActivity.Role.CONSULTATION,
        SocialWorkActivity.Role.BRING_IN_CARE,
    ]
    for index, school_id in enumerate(schools):
        worker = workers[index % len(workers)]
        for week in range(12):
            for role, hours in zip(roles, (2, 1.5, 0.5), strict=True):
                rows.append(
                    SocialWorkActivity(
                        social_worker=worker,
                        school_id=school_id,
                        role=role,
                        hours=Decimal(str(hours)),
                        date=today - timedelta(weeks=week, days=rng.randint(0, 4)),
                    )
                )
    SocialWorkActivity.objects.bulk_create(rows, batch_size=5000)
    del system
    return len(rows)
