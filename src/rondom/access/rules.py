"""The access rules as tables: for each ground, which role may read ('r') or change ('w') which part of a
child's record. Anything not in these tables is denied. docs/access-policy.md explains each row.
"""

from __future__ import annotations

from dataclasses import dataclass

from rondom.core.access_types import Permissions
from rondom.core.categories import Action
from rondom.core.categories import DataCategory as C
from rondom.core.grounds import Ground
from rondom.core.roles import Role

ALL_READ: Permissions = {c: "r" for c in C.values}

#: A role held at the child's current school.
SCHOOL_ROLE_RULES: dict[str, Permissions] = {
    Role.INTERN_BEGELEIDER: {C.IDENTITY: "rw", C.SUPPORT: "rw", C.ABSENCE: "r"},
    Role.ZORGCOORDINATOR: {C.IDENTITY: "rw", C.SUPPORT: "rw", C.ABSENCE: "r"},
    Role.TEACHER: {C.IDENTITY: "r", C.SUPPORT: "r"},
    Role.SCHOOL_SOCIAL_WORKER: {C.IDENTITY: "r", C.SUPPORT: "rw"},
    # The functioneel beheerder imports the school's absence export but does not read absence ("w" only).
    Role.FUNCTIONAL_ADMIN: {C.IDENTITY: "rw", C.ABSENCE: "w"},
}

#: School roles whose school-role ground covers only the pupils of the groups they teach now, not the whole school:
#: need-to-know (AVG art. 5(1)(c), data minimisation; issue 15 "Groups in the access policy"). A holder teaches a
#: child when a current `registry.GroupTeacher` row links the holder's membership at the child's school to the
#: child's `school_group` (valid_from <= today < ended_on) and the group itself has not ended. The intern
#: begeleider, zorgcoördinator, school social worker and functioneel beheerder keep the whole school. A teacher seated
#: in a child's support team keeps the team ground (TEAM_ROLE_RULES) on that child.
GROUP_BOUND_SCHOOL_ROLES = frozenset({Role.TEACHER})

#: Membership of the child's support team. For members from outside the school the family's consent
#: limits this further to the consented categories (plus basic details, without which nothing can be shared).
TEAM_ROLE_RULES: dict[str, Permissions] = {
    Role.INTERN_BEGELEIDER: {C.IDENTITY: "r", C.SUPPORT: "rw", C.ABSENCE: "r"},
    Role.ZORGCOORDINATOR: {C.IDENTITY: "r", C.SUPPORT: "rw", C.ABSENCE: "r"},
    Role.TEACHER: {C.IDENTITY: "r", C.SUPPORT: "r"},
    Role.SCHOOL_SOCIAL_WORKER: {C.IDENTITY: "r", C.SUPPORT: "rw", C.YOUTH_CARE: "rw"},
    Role.WIJKTEAM_WORKER: {C.IDENTITY: "r", C.SUPPORT: "rw", C.YOUTH_CARE: "rw"},
    Role.PROVIDER_CONTACT: {C.IDENTITY: "r", C.SUPPORT: "r", C.YOUTH_CARE: "rw"},
    Role.YOUTH_DOCTOR: {C.IDENTITY: "r", C.SUPPORT: "r", C.ABSENCE: "r", C.HEALTH: "rw"},
    Role.LEERPLICHT_OFFICER: {C.IDENTITY: "r", C.SUPPORT: "r", C.ABSENCE: "rw"},
}

#: A legal task: the leerplichtambtenaar of the child's home municipality sees and records absence.
LEGAL_TASK_RULES: dict[str, Permissions] = {
    Role.LEERPLICHT_OFFICER: {C.IDENTITY: "r", C.ABSENCE: "rw"},
}

#: An absence signal addressed to a role outside school (the youth doctor for sick leave, M@ZL): while the signal
#: is open, that role in an organisation serving the child's home municipality sees who the child is and the absence.
SIGNAL_TASK_RULES: dict[str, Permissions] = {
    Role.YOUTH_DOCTOR: {C.IDENTITY: "r", C.ABSENCE: "r"},
}

#: A thuiszitter's escalation ladder: the deciding roles of every level the case has reached (in organisations
#: serving the child's home municipality) see the thuiszitter record and record decisions while the child is at home.
#: School staff and leerplicht decide on their own grounds above.
ESCALATION_RULES: dict[str, Permissions] = {
    Role.POLICY_OFFICER: {C.IDENTITY: "r", C.ABSENCE: "rw"},
    Role.WIJKTEAM_WORKER: {C.IDENTITY: "r", C.ABSENCE: "rw"},
}

#: The named contact person a request for help (erbij halen) is addressed to sees who the child is and the
#: question, on the family's consent, until the request is joined (then the grant counts) or closed.
REQUEST_PERMISSIONS: Permissions = {C.IDENTITY: "r"}

#: A request of the child's school to the samenwerkingsverband (rondom.swv): the SWV's loket and experts read who the
#: child is and what the request holds (the OPP parts copied into it, the documents the parents released) on the
#: family's consent naming the SWV, from submission until the decision's validity ends or the request is withdrawn
#: (WPO art. 18a, WVO 2020 art. 6.1.1; issue 16). Restricted further to the consented categories.
SWV_REQUEST_RULES: dict[str, Permissions] = {
    Role.SWV_LOKET: {C.IDENTITY: "r", C.SUPPORT: "r"},
    Role.SWV_EXPERT: {C.IDENTITY: "r", C.SUPPORT: "r"},
}

#: A warm transfer (rondom.transfers). Before the receiving school accepts, its intern begeleider or zorgcoördinator
#: reads what the parents consented to share with it (to decide); after acceptance the child's school is the new
#: school (its SCHOOL_ROLE_RULES apply) and the previous school's whole-school support roles keep reading, never
#: changing, until the transfer's set date (`Transfer.previous_access_until`), then nothing.
TRANSFER_RECEIVING_RULES: dict[str, Permissions] = {
    Role.INTERN_BEGELEIDER: {C.IDENTITY: "r", C.SUPPORT: "r"},
    Role.ZORGCOORDINATOR: {C.IDENTITY: "r", C.SUPPORT: "r"},
}
TRANSFER_PREVIOUS_RULES: dict[str, Permissions] = {
    Role.INTERN_BEGELEIDER: {C.IDENTITY: "r", C.SUPPORT: "r"},
    Role.ZORGCOORDINATOR: {C.IDENTITY: "r", C.SUPPORT: "r"},
}

#: Roles that may raise a signal (zorgsignaal) about a child they know, besides the family.
SIGNAL_ROLES = frozenset(
    {
        Role.TEACHER,
        Role.INTERN_BEGELEIDER,
        Role.ZORGCOORDINATOR,
        Role.SCHOOL_SOCIAL_WORKER,
        Role.WIJKTEAM_WORKER,
        Role.YOUTH_DOCTOR,
        Role.LEERPLICHT_OFFICER,
    }
)

#: Roles that may use an erbij-halen grant or the emergency button.
GRANT_ROLES = frozenset({Role.PROVIDER_CONTACT, Role.SCHOOL_SOCIAL_WORKER, Role.WIJKTEAM_WORKER})
EMERGENCY_ROLES = frozenset(
    {
        Role.INTERN_BEGELEIDER,
        Role.ZORGCOORDINATOR,
        Role.SCHOOL_SOCIAL_WORKER,
        Role.WIJKTEAM_WORKER,
        Role.PROVIDER_CONTACT,
        Role.LEERPLICHT_OFFICER,
        Role.YOUTH_DOCTOR,
    }
)

#: Family: parents with authority read everything the professionals hold (youth under 16, or 16+ with the
#: youth's consent); a youth of 12 or older reads the own record. Families change the record only through
#: consent and (later) the portal's own services.
PARENT_PERMISSIONS: Permissions = ALL_READ
YOUTH_PERMISSIONS: Permissions = ALL_READ
EMERGENCY_PERMISSIONS: Permissions = ALL_READ

YOUTH_OWN_ACCESS_AGE = 12
YOUTH_DECIDES_ALONE_AGE = 16

#: When several grounds allow the same thing, the policy names the first in this order: the emergency
#: button only counts when nothing else allows the access.
GROUND_ORDER = [
    Ground.SCHOOL_ROLE,
    Ground.LEGAL_TASK,
    Ground.ESCALATION,
    Ground.SUPPORT_TEAM,
    Ground.GRANT,
    Ground.REQUEST,
    Ground.SWV_REQUEST,
    Ground.TRANSFER,
    Ground.PARENT,
    Ground.YOUTH,
    Ground.EMERGENCY,
]


@dataclass(frozen=True)
class SystemRule:
    """An access that no user's own ground on the child covers: the system itself at work (the worker, the
    scheduler, the retention job) or a task over many children (research export, aggregate figures). Every such
    access is one named row of `SYSTEM_RULES`; `policy.system_decision` turns a row into a `Decision`.

    `ref` is the log row's `ground_ref`; "{detail}" in it is filled in per use (the record type, the consent, the
    documented legal basis)."""

    ground: str
    permissions: Permissions
    ref: str
    description: str


_WRITE_ALL: Permissions = {c: "w" for c in C.values}

#: Every access that is not a user acting on a ground of their own (docs/access-policy.md, "System and task
#: accesses"). The retention job only deletes and anonymises, it reads nothing ("w" only).
SYSTEM_RULES: dict[str, SystemRule] = {
    "escalation_ladder": SystemRule(
        Ground.ESCALATION,
        {C.IDENTITY: "r", C.ABSENCE: "rw"},
        "rule:escalation_ladder",
        "The thuiszitter register and its escalation ladder: the nightly job moves a case up a level, and the "
        "registering roles and the deciders of a level record the register's steps (thuiszitters.services).",
    ),
    "retention": SystemRule(
        Ground.RETENTION,
        _WRITE_ALL,
        "rule:retention:{detail}",
        "The retention job deletes or anonymises what is due; the detail names the record type (retention).",
    ),
    "research_consent": SystemRule(
        Ground.RESEARCH,
        {C.SUPPORT: "r"},
        "consent:{detail}",
        "The research export of a child whose family consented to research (funding.research).",
    ),
    "research_legal_basis": SystemRule(
        Ground.LEGAL_TASK,
        {C.SUPPORT: "r"},
        "legal:{detail}",
        "The research export on a legal basis the municipality documented (settings.RESEARCH_LEGAL_BASES).",
    ),
    "monitoring": SystemRule(
        Ground.AGGREGATE,
        {C.SUPPORT: "r"},
        "rule:monitoring",
        "Aggregate figures of the monitoring dashboard and the accountability report, no child named.",
    ),
    "thuiszitter_overview": SystemRule(
        Ground.AGGREGATE,
        {C.ABSENCE: "r"},
        "rule:thuiszitter_overview",
        "The thuiszitter overview's counts, no child named.",
    ),
    "roster_import": SystemRule(
        Ground.SCHOOL_ROLE,
        {C.IDENTITY: "w"},
        "rule:roster_import",
        "The school's roster loaded by the system itself (the demo's generator, the import_roster command without "
        "--user): pupils' basic details added, changed or marked as left (roster.services.apply_roster_as_system).",
    ),
}


@dataclass(frozen=True)
class ChangeRule:
    """A change a user may make on a ground that only reads (the one place where the `w` columns do not decide).
    `Decision.for_action(action, category, change=CHANGE_RULES[name])` allows it when the decision's ground reads
    something of the child and is one of `grounds`."""

    actions: frozenset[str]
    category: str
    grounds: frozenset[str]
    description: str


_ANY_BUT_EMERGENCY = frozenset(g for g in Ground.values if g != Ground.EMERGENCY)
_FAMILY = frozenset({Ground.PARENT, Ground.YOUTH})

#: Named exceptions to the `w` columns (docs/access-policy.md, "Raising a signal" and "Changes on a reading
#: ground"). Who may do it is checked by the service named; the table says which change is logged on which ground.
CHANGE_RULES: dict[str, ChangeRule] = {
    "raise_signal": ChangeRule(
        frozenset({Action.CREATE}),
        C.SUPPORT,
        _ANY_BUT_EMERGENCY,
        "Anyone who knows the child on a family ground or in a signal role raises a signal (cases.raise_signal).",
    ),
    "answer_request": ChangeRule(
        frozenset({Action.UPDATE}),
        C.IDENTITY,
        _ANY_BUT_EMERGENCY,
        "The contact person answers a request for help: first contact, join, decline (cases.services).",
    ),
    "withdraw_own_consent": ChangeRule(
        frozenset({Action.UPDATE}),
        C.SUPPORT,
        _FAMILY,
        "A parent or the youth withdraws their own consent, as easily as it was given (consent.services).",
    ),
    "family_portal": ChangeRule(
        frozenset({Action.CREATE, Action.UPDATE}),
        C.SUPPORT,
        _FAMILY,
        "The family's own changes through the portal: agreement, evaluation, logbook, consent, document, choice.",
    ),
    "decide_transfer": ChangeRule(
        frozenset({Action.UPDATE}),
        C.SUPPORT,
        frozenset({Ground.TRANSFER}),
        "The receiving school's intern begeleider or zorgcoördinator accepts or declines a warm transfer while it "
        "reads on the transfer's ground (transfers.services.accept_transfer / decline_transfer).",
    ),
    "feedback_answer": ChangeRule(
        frozenset({Action.CREATE, Action.UPDATE}),
        C.SUPPORT,
        _ANY_BUT_EMERGENCY,
        "A parent, youth or teacher answers the questionnaire about the help (feedback.services).",
    ),
    "swv_decision": ChangeRule(
        frozenset({Action.CREATE, Action.UPDATE}),
        C.SUPPORT,
        frozenset({Ground.SWV_REQUEST}),
        "The samenwerkingsverband works on a request made to it: planning, an expert's advice, the loket's decision, "
        "the start and end of an arrangement (swv.decisions; who may do which is checked there).",
    ),
    "complete_own_action": ChangeRule(
        frozenset({Action.UPDATE}),
        C.SUPPORT,
        _ANY_BUT_EMERGENCY - _FAMILY,
        "The owner of an action of the support team marks it done, also when the owner only reads "
        "(cases.meetings.complete_action).",
    ),
}


def restrict(permissions: Permissions, categories: list[str]) -> Permissions:
    """Limit permissions to consented categories; basic details come with any consented category."""
    allowed = set(categories) | {C.IDENTITY}
    return {c: m for c, m in permissions.items() if c in allowed}
