"""The list scope and the per-child policy agree, over every ground and every professional role (issue 13).

`policy.children_in_scope` (the ORM list query) and `policy.decide` (the per-child read, one raw SQL statement for the
facts) are written separately for speed. This property test builds small random worlds and checks, for every child
in them: the child is in the user's list exactly when the per-child policy grants a read of some part of the record.

Each run focuses on one ground (the world always holds a fact for it, valid or not: consents that start or end on the
day asked about, withdrawn, grants and emergencies that start or end at that very moment, ages around 12 and 16) and
adds random facts for every other ground as noise, for a user with random professional roles at random
organisations. The runs are derandomised (the same examples on every run), `now` is pinned, and every focus must
at least once have been the ground that granted the read, so the property is proven for that ground.

The same worlds prove the list scope of one action on one category (issue 17, "lists in one query"): for every
action and every data category, `policy.allowed_children` holds exactly the children on whom `policy.decide` allows
it. The consents and grants of a world name varying categories (CATEGORY_SETS), so the narrowing by consent is part
of it, and warm transfers (a consent-restricted fact source) are one more focus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rondom.access import policy, rules
from rondom.access.models import AccessGrant, EmergencyAccess, TeamMembership
from rondom.access.rules import Ground
from rondom.accounts.models import Membership, MunicipalityOrganisation, Organisation, User
from rondom.attendance.models import AbsenceProtocol, ThresholdSignal
from rondom.cases.models import Case, HelpRequest, SupportTeam
from rondom.consent.models import Consent
from rondom.core.categories import Action, DataCategory
from rondom.core.roles import PROFESSIONAL_ROLES, OrganisationKind
from rondom.registry.models import Child, GroupTeacher, Guardianship, Municipality, SchoolGroup
from rondom.swv.models import SwvRequest
from rondom.thuiszitters.models import EscalationLevel, EscalationStep, Thuiszitter
from rondom.transfers.models import Transfer

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: The moments asked about: an ordinary day; just after midnight on 1 March in a common year (still 28 February in
#: UTC); a leap day.
MOMENTS = [
    datetime(2027, 3, 10, 10, 30, tzinfo=AMSTERDAM),
    datetime(2027, 3, 1, 0, 30, tzinfo=AMSTERDAM),
    datetime(2028, 2, 29, 9, 0, tzinfo=AMSTERDAM),
]
ROLES = sorted(PROFESSIONAL_ROLES)
OTHER_KINDS = [k for k in OrganisationKind.values if k != OrganisationKind.SCHOOL]
#: Organisations of the world: two schools (in municipality 0 and 1) and two others of a random kind.
SCHOOLS, OTHERS = (0, 1), (2, 3)

# --- the world as plain data -------------------------------------------------------------------------------------

#: A consent's validity relative to the day asked about: (valid_from, valid_until) in days, withdrawn or not.
#: Edge values first: Hypothesis starts from the simplest choices, so the edges are always tried.
consents = st.tuples(
    st.sampled_from([0, -30, -1, 1, -30]),
    st.sampled_from([0, None, -1, 1, None]),
    st.integers(0, 4),
).map(lambda t: {"from": t[0], "until": t[1], "withdrawn": t[2] == 4})
#: Offsets in seconds from `now`: the edge itself, one second either side, a day either side.
moments = st.sampled_from([0, -1, 1, -86400, 86400])


@dataclass
class World:
    now: datetime
    other_kinds: list[str]
    other_municipality: list[int]
    serves: list[list[int]]  # per other organisation: municipality indexes it serves
    gemeente_of: dict[int, int]  # municipality index -> other organisation index configured as its gemeente
    memberships: list[dict[str, Any]]  # role, organisation index, window
    groups: list[dict[str, Any]]  # per school group: school index, its end relative to the day asked about
    children: list[dict[str, Any]]
    facts: list[dict[str, Any]] = field(default_factory=list)


def _child(draw: Any) -> dict[str, Any]:
    return {
        "school": draw(st.sampled_from([0, 1, None])),
        "home": draw(st.sampled_from([0, 1])),
        "age": draw(st.sampled_from([16, 12, 15, 11, 17, 9])),
        "birthday": draw(st.sampled_from([0, -1, 1])),  # birthday yesterday, today or tomorrow
        "anonymised": draw(st.integers(0, 9)) == 9,
    }


def _fact(draw: Any, kind: str, n_children: int, n_memberships: int) -> dict[str, Any]:
    fact: dict[str, Any] = {"kind": kind, "child": draw(st.integers(0, n_children - 1))}
    if n_memberships:
        fact["membership"] = draw(st.integers(0, n_memberships - 1))
    if kind == "seat":
        fact["consent"] = draw(st.none() | consents)
        fact["ended"] = draw(st.integers(0, 4)) == 4
    elif kind == "grant":
        fact["consent"] = draw(consents)
        fact["from"], fact["until"] = draw(moments), draw(moments)
        fact["revoked"] = draw(st.integers(0, 4)) == 4
    elif kind == "request":
        fact["consent"] = draw(consents)
        fact["state"] = draw(st.sampled_from(["open", "open", "joined", "closed", "referral"]))
    elif kind == "swv_request":  # a request to the SWV of the fact's membership (its organisation)
        fact["consent"] = draw(consents)
        fact["state"] = draw(st.sampled_from(["open", "open", "withdrawn", "decided"]))
        fact["access_until"] = draw(st.sampled_from([0, -1, 1]))  # for a decided request, relative to the day
        fact["other_recipient"] = draw(st.integers(0, 4)) == 4
    elif kind == "emergency":
        fact["expires"] = draw(moments)
    elif kind == "signal":
        fact["role"] = draw(st.sampled_from(["youth_doctor", "youth_doctor", "leerplicht_officer"]))
        fact["handled"] = draw(st.booleans())
    elif kind == "escalation":
        fact["deciders"] = draw(
            st.lists(st.tuples(st.sampled_from(ROLES), st.sampled_from(OTHER_KINDS)), min_size=1, max_size=2)
        )
        fact["ended"] = draw(st.integers(0, 3)) == 3
        fact["match"] = draw(st.integers(0, 3)) < 3  # the ladder names the pair (role, kind) of the fact's membership
    elif kind == "teaches":  # a GroupTeacher row: the membership teaches a group, from/until relative to today
        fact["group"] = draw(st.sampled_from([0, 1, 2]))
        fact["from"] = draw(st.sampled_from([0, -30, 1]))
        fact["ended"] = draw(st.sampled_from([None, 0, 1, -1]))
    elif kind == "transfer":  # an offered or accepted transfer to or from the membership's organisation
        fact["state"] = draw(st.sampled_from(["offered", "accepted", "declined"]))
        fact["side"] = draw(st.sampled_from(["to", "from"]))
        fact["consent"] = draw(st.none() | consents)
        fact["previous_until"] = draw(st.sampled_from([0, -1, 1]))
    elif kind == "parent":
        fact["authority"] = draw(st.integers(0, 4)) > 0
        fact["inform_parents"] = draw(st.none() | consents)
    return fact


#: The categories the n-th consent or grant of a world names (cycled, so no extra draw changes the examples of the
#: foci; basic details come with any of them, rules.restrict).
CATEGORY_SETS = [
    ["support", "youth_care"],
    ["support"],
    ["absence"],
    ["youth_care", "health"],
    [],
    ["identity", "health"],
    ["support", "absence", "health"],
]
FACT_KINDS = ["seat", "grant", "request", "emergency", "signal", "escalation", "parent", "youth"]
#: A group's end relative to the day asked about (None: not ended).
GROUP_ENDS = st.sampled_from([None, None, 0, 1, -1])


@st.composite
def worlds(draw: Any, focus: str, roles: tuple[str, ...]) -> World:
    memberships = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "role": st.sampled_from(roles) if roles else st.sampled_from(ROLES),
                    "organisation": st.sampled_from([2, 0, 1, 3]),
                    "window": st.sampled_from(["open", "open", "open", "ends_today", "ended", "future"]),
                }
            ),
            min_size=1 if roles else 0,
            max_size=2,
            unique_by=lambda m: (m["role"], m["organisation"]),
        )
    )
    children = [_child(draw) for _ in range(draw(st.integers(1, 3)))]
    facts = [_fact(draw, focus, len(children), len(memberships))]
    for _ in range(draw(st.integers(0, 3))):
        facts.append(_fact(draw, draw(st.sampled_from(FACT_KINDS)), len(children), len(memberships)))
    now = draw(st.sampled_from(MOMENTS))
    other_kinds = [draw(st.sampled_from(OTHER_KINDS)) for _ in OTHERS]
    other_municipality = [draw(st.sampled_from([0, 1])) for _ in OTHERS]
    serves = [draw(st.sampled_from([[0, 1], [], [0], [1]])) for _ in OTHERS]
    gemeente_of = draw(st.dictionaries(st.sampled_from([0, 1]), st.sampled_from(OTHERS), max_size=2))
    # The groups dimension (issue 15) is drawn last, so the examples of the other foci stay what they were: three
    # groups of either school, each child in one of them or in none, and GroupTeacher rows as noise.
    groups = [{"school": draw(st.sampled_from([0, 1])), "ended": draw(GROUP_ENDS)} for _ in range(3)]
    for child in children:
        child["group"] = draw(st.sampled_from([0, 1, None, 2]))
    for _ in range(draw(st.integers(0, 2))):
        facts.append(_fact(draw, "teaches", len(children), len(memberships)))
    return World(
        now=now,
        other_kinds=other_kinds,
        other_municipality=other_municipality,
        serves=serves,
        gemeente_of=gemeente_of,
        memberships=memberships,
        groups=groups,
        children=children,
        facts=facts,
    )


# --- building it -------------------------------------------------------------------------------------------------


def _make_consent(
    child: Child, spec: dict[str, Any], today: date, now: datetime, purpose: str, categories: list[str]
) -> Consent:
    return Consent.objects.create(
        child=child,
        purpose=purpose,
        categories=categories,
        valid_from=today + timedelta(days=spec["from"]),
        valid_until=None if spec["until"] is None else today + timedelta(days=spec["until"]),
        withdrawn_at=now - timedelta(hours=1) if spec["withdrawn"] else None,
    )


def _born(today: date, age: int, birthday: int) -> date:
    day = today + timedelta(days=birthday)
    try:
        return day.replace(year=day.year - age)
    except ValueError:  # 29 February
        return day.replace(year=day.year - age, day=28)


def build(world: World) -> tuple[User, list[Child]]:
    now, today = world.now, world.now.date()
    municipalities = [Municipality.objects.create(name=f"Gemeente {i}") for i in (0, 1)]
    organisations = [
        Organisation.objects.create(name=f"School {i}", kind=OrganisationKind.SCHOOL, municipality=municipalities[i])
        for i in SCHOOLS
    ]
    for n, kind in enumerate(world.other_kinds):
        organisation = Organisation.objects.create(
            name=f"Organisatie {n}", kind=kind, municipality=municipalities[world.other_municipality[n]]
        )
        organisation.serves_municipalities.set([municipalities[i] for i in world.serves[n]])
        organisations.append(organisation)
    for municipality_index, organisation_index in world.gemeente_of.items():
        MunicipalityOrganisation.objects.create(
            municipality=municipalities[municipality_index], organisation=organisations[organisation_index]
        )
    user = User.objects.create(username="professional")
    windows = {
        "open": (-10, None),
        "ends_today": (-10, 0),
        "ended": (-10, -1),
        "future": (1, None),
    }
    memberships = []
    for spec in world.memberships:
        start, end = windows[spec["window"]]
        memberships.append(
            Membership.objects.create(
                user=user,
                organisation=organisations[spec["organisation"]],
                role=spec["role"],
                valid_from=today + timedelta(days=start),
                valid_until=None if end is None else today + timedelta(days=end),
            )
        )
    groups = [
        SchoolGroup.objects.create(
            school=organisations[spec["school"]],
            school_year="2026-2027",
            key=f"g{n}",
            name=f"Groep {n}",
            ended_on=None if spec["ended"] is None else today + timedelta(days=spec["ended"]),
        )
        for n, spec in enumerate(world.groups)
    ]
    children = [
        Child.objects.create(
            given_name=f"Kind{n}",
            family_name="Jansen",
            date_of_birth=_born(today, spec["age"], spec["birthday"]),
            school=None if spec["school"] is None else organisations[spec["school"]],
            home_municipality=municipalities[spec["home"]],
            anonymised_at=now - timedelta(days=1) if spec["anonymised"] else None,
            school_group=None if spec["group"] is None else groups[spec["group"]],
        )
        for n, spec in enumerate(world.children)
    ]
    teams: dict[int, SupportTeam] = {}
    protocol = AbsenceProtocol.objects.create(name="Verzuim", metric="hours_in_window", threshold=16, signal_role="")
    youth_taken = False
    # Where the cycle of CATEGORY_SETS starts: from what the world already holds, so no draw is added.
    start = len(world.facts) + 2 * len(world.children) + len(world.memberships)
    made = {"consents": start, "grants": start}

    def _consent(child: Child, spec: dict[str, Any], today: date, now: datetime, purpose: str) -> Consent:
        made["consents"] += 1
        return _make_consent(child, spec, today, now, purpose, CATEGORY_SETS[(made["consents"] - 1) % 7])

    def _grant_categories() -> list[str]:
        made["grants"] += 1
        return CATEGORY_SETS[(made["grants"] + 2) % 7]

    for n, fact in enumerate(world.facts):
        child = children[fact["child"]]
        member = memberships[fact["membership"]] if "membership" in fact else None
        kind = fact["kind"]
        if kind == "seat" and member is not None:
            consent = fact["consent"] and _consent(child, fact["consent"], today, now, "support_team")
            TeamMembership.objects.create(
                child=child, membership=member, consent=consent or None, ended_at=now if fact["ended"] else None
            )
        elif kind == "grant" and member is not None:
            AccessGrant.objects.create(
                child=child,
                grantee=member,
                consent=_consent(child, fact["consent"], today, now, "provider"),
                categories=_grant_categories(),
                valid_from=now + timedelta(seconds=fact["from"]),
                valid_until=now + timedelta(seconds=fact["until"]),
                revoked_at=now - timedelta(hours=2) if fact["revoked"] else None,
            )
        elif kind == "request" and member is not None:
            school = organisations[0]
            team = teams.get(school.pk) or teams.setdefault(school.pk, SupportTeam.objects.create(school=school))
            case = Case.objects.create(child=child, team=team, question="Vraag", decision_due=today)
            state = fact["state"]
            HelpRequest.objects.create(
                case=case,
                kind="referral" if state == "referral" else "bring_in",
                provider=member.organisation,
                contact=member,
                question="Hulp",
                consent=_consent(child, fact["consent"], today, now, "provider"),
                joined_at=now if state == "joined" else None,
                closed_at=now if state == "closed" else None,
            )
        elif kind == "swv_request" and member is not None:
            swv = member.organisation
            consent = _consent(child, fact["consent"], today, now, "swv")
            consent.recipient = organisations[1] if fact["other_recipient"] else swv
            consent.save(update_fields=["recipient"])
            state = fact["state"]
            SwvRequest.objects.create(
                child=child,
                school=organisations[0],
                swv=swv,
                kind="tlv",
                question="Vraag",
                consent=consent,
                received_on=today,
                decide_by=today,
                state={"open": "submitted", "withdrawn": "withdrawn", "decided": "granted"}[state],
                withdrawn_at=now if state == "withdrawn" else None,
                access_until=today + timedelta(days=fact["access_until"]) if state == "decided" else None,
            )
        elif kind == "emergency" and member is not None:
            EmergencyAccess.objects.create(
                child=child, membership=member, reason="Nood", expires_at=now + timedelta(seconds=fact["expires"])
            )
        elif kind == "signal":
            ThresholdSignal.objects.create(
                child=child,
                protocol=protocol,
                role=fact["role"],
                period_start=today,
                crossed_on=today - timedelta(days=n),
                value=20,
                due_on=today,
                handled_at=now if fact["handled"] else None,
            )
        elif kind == "escalation":
            if Thuiszitter.objects.filter(child=child, ended_on__isnull=True).exists():
                continue
            deciders = list(fact["deciders"])
            if fact["match"] and member is not None:
                deciders.append((member.role, member.organisation.kind))
            level = EscalationLevel.objects.create(
                rank=n + 1,
                name=f"Trede {n}",
                deadline_working_days=5,
                deciders=[{"role": role, "kind": kind} for role, kind in deciders],
            )
            thuiszitter = Thuiszitter.objects.create(
                child=child,
                kind="relative",
                reason="other",
                started_on=today - timedelta(days=40),
                ended_on=today if fact["ended"] else None,
            )
            EscalationStep.objects.create(thuiszitter=thuiszitter, level=level, deadline=today, at=now)
        elif kind == "teaches" and member is not None:
            group = groups[fact["group"]]
            if not GroupTeacher.objects.filter(group=group, membership=member, ended_on__isnull=True).exists():
                GroupTeacher.objects.create(
                    group=group,
                    membership=member,
                    valid_from=today + timedelta(days=fact["from"]),
                    ended_on=None if fact["ended"] is None else today + timedelta(days=fact["ended"]),
                )
        elif kind == "transfer" and member is not None:
            other = next(o for o in organisations if o.pk not in (member.organisation_id, child.school_id))
            if fact["side"] == "to":
                from_school, to_school = (child.school or other), member.organisation
                from_school = other if from_school == to_school else from_school
            else:
                from_school, to_school = member.organisation, other
            consent = fact["consent"] and _consent(child, fact["consent"], today, now, "transfer")
            if consent:
                consent.recipient = to_school
                consent.save(update_fields=["recipient"])
            if fact["state"] != "offered" or not Transfer.objects.filter(child=child, state="offered").exists():
                Transfer.objects.create(
                    child=child,
                    from_school=from_school,
                    to_school=to_school,
                    kind="move",
                    moves_on=today,
                    previous_access_until=today + timedelta(days=fact["previous_until"]),
                    consent=consent or None,
                    state=fact["state"],
                )
        elif kind == "parent":
            Guardianship.objects.get_or_create(child=child, user=user, defaults={"has_authority": fact["authority"]})
            if fact["inform_parents"]:
                _consent(child, fact["inform_parents"], today, now, "inform_parents")
        elif kind == "youth" and not youth_taken:
            youth_taken = True
            child.youth_account = user
            child.save(update_fields=["youth_account"])
    return User.objects.get(pk=user.pk), children


# --- the property ------------------------------------------------------------------------------------------------

#: (name, the fact every world holds, the roles the user holds, the ground that must have granted at least once)
FOCI = [
    ("school_role", "seat", tuple(rules.SCHOOL_ROLE_RULES), Ground.SCHOOL_ROLE),
    # A teacher (rules.GROUP_BOUND_SCHOOL_ROLES): the school-role ground only on the groups taught (issue 15).
    ("group_teacher", "teaches", tuple(rules.GROUP_BOUND_SCHOOL_ROLES), "rule:group_teacher"),
    ("support_team_staff", "seat", tuple(rules.TEAM_ROLE_RULES), Ground.SUPPORT_TEAM),
    ("support_team_consent", "seat", ("wijkteam_worker", "provider_contact", "youth_doctor"), Ground.SUPPORT_TEAM),
    ("grant", "grant", tuple(rules.GRANT_ROLES), Ground.GRANT),
    ("request", "request", ("provider_contact", "wijkteam_worker"), Ground.REQUEST),
    ("swv_request", "swv_request", tuple(rules.SWV_REQUEST_RULES), Ground.SWV_REQUEST),
    ("legal_task", "seat", tuple(rules.LEGAL_TASK_RULES), Ground.LEGAL_TASK),
    ("signal_task", "signal", tuple(rules.SIGNAL_TASK_RULES), Ground.LEGAL_TASK),
    ("escalation", "escalation", tuple(rules.ESCALATION_RULES), Ground.ESCALATION),
    ("parent", "parent", (), Ground.PARENT),
    ("youth", "youth", (), Ground.YOUTH),
    ("emergency", "emergency", tuple(rules.EMERGENCY_ROLES), Ground.EMERGENCY),
    # A warm transfer: the receiving school on consent (restricted to its categories), the previous school after.
    ("transfer", "transfer", tuple(rules.TRANSFER_RECEIVING_RULES), Ground.TRANSFER),
    ("any_role", "seat", tuple(ROLES), None),
]


def _reads(basis: policy.Basis) -> bool:
    return any("r" in mode for mode in basis.permissions.values())


@pytest.mark.parametrize(("focus", "fact", "roles", "ground"), FOCI, ids=[f[0] for f in FOCI])
def test_a_child_is_in_the_list_exactly_when_the_policy_grants_a_read(
    focus: str, fact: str, roles: tuple[str, ...], ground: str | None
) -> None:
    granted: set[str] = set()
    checked = {"children": 0}

    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(world=worlds(fact, roles))
    def check(world: World) -> None:
        with time_machine.travel(world.now, tick=False), transaction.atomic():
            user, children = build(world)
            listed = set(policy.children_in_scope(user, now=world.now).values_list("pk", flat=True))
            for child in children:
                fresh = Child.objects.get(pk=child.pk)
                decision = policy.decide(user, fresh, "read", DataCategory.IDENTITY, now=world.now)
                reading = [b for b in policy.bases_for(user, fresh, now=world.now) if _reads(b)]
                assert decision.in_scope == bool(reading)
                assert (fresh.pk in listed) == decision.in_scope, (
                    f"child {fresh.pk} listed={fresh.pk in listed} but the policy says in_scope={decision.in_scope} "
                    f"on {[(b.ground, b.ref) for b in reading]}; world={world}"
                )
                granted.update(b.ground for b in reading)
                granted.update(b.ref for b in reading)
                checked["children"] += 1
            _check_allowed_children(world, user, children, granted)
            transaction.set_rollback(True)

    check()
    assert checked["children"] > 0
    if ground is not None:
        assert ground in granted, f"no example of focus {focus} was granted on {ground}: {sorted(granted)}"


#: Every action on every data category: the list scope of each must equal the per-child decisions (issue 17).
PAIRS = [(action, category) for action in Action.values for category in DataCategory.values]


def _check_allowed_children(world: World, user: User, children: list[Child], granted: set[str]) -> None:
    """`allowed_children(user, action, category)` is exactly {child : decide(...).allowed}, for every pair."""
    fresh = [Child.objects.get(pk=child.pk) for child in children]
    for action, category in PAIRS:
        listed = set(
            policy.allowed_children(User.objects.get(pk=user.pk), action, category, now=world.now).values_list(
                "pk", flat=True
            )
        )
        for child in fresh:
            decision = policy.decide(user, child, action, category, now=world.now)
            assert (child.pk in listed) == decision.allowed, (
                f"{action} {category}: child {child.pk} listed={child.pk in listed} but decide says "
                f"allowed={decision.allowed} on {decision.basis and (decision.basis.ground, decision.basis.ref)}; "
                f"bases={[(b.ground, b.ref, b.permissions) for b in decision.bases]}; world={world}"
            )
            if decision.allowed and decision.basis is not None:
                granted.add(f"{action}:{category}:{decision.basis.ground}")
