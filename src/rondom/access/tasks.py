"""Task rights as data: who may do which *task* — register a thuiszitter, record a visit, import absence, see
monitoring, export for research, write a werkplan, advise or decide an allocation, reopen a case, manage the
support team, press the emergency button — and who may create which organisation, link it, grant or end which role,
configure a municipality and read the administration log. One row per task right (`TASKS`); ask it only through
`may(user, task, target)` (or `refusal`, which also says why not, in Dutch). docs/access-policy.md, "Task rights",
lists every row (a test keeps it complete).

A task right says *whether someone may do a kind of work*; which child's record that work touches is still the
access policy's question (`access.policy`, the category rules in `access.rules`). A row names its holders; each
holder is either a standing (the platform administrator, the privacy officer, a functioneel beheerder acting as
administrator) or a professional role held at an organisation of the given kinds, with a scope (`Scope`) that says
for what the holder acts: its own organisation, the schools below it, the municipalities it serves, the
municipalities it is the configured gemeente of, or children whose record the policy opens to it.

The administration rule (issue 12, finding 1; docs/access-policy.md, "Administration"):

- the platform administrator (a Django superuser) holds every administration right;
- the functioneel beheerder of an organisation *configured* as a gemeente (`MunicipalityOrganisation`, see
  `accounts.authority`) creates and links organisations of every kind but the gemeente itself, and grants and ends
  every professional role, at organisations within its own municipalities;
- the functioneel beheerder of any other organisation manages only the *staff roles* of its own organisation
  (`STAFF_ROLES`): a school's administrator grants and ends teacher, intern begeleider, zorgcoördinator and school
  social worker at its own school, and creates no organisation at all;
- the privacy officer (a staff account that the platform administrator gave the permission
  "Can view administration log entry") reads the administration log.

Who may *receive* a role (never a family member's account; for an organisation's own administrator, only an account
without roles elsewhere) is checked by `records.administration.grant_role`, for every actor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rondom.accounts.authority import governed_municipalities, served_municipalities
from rondom.accounts.models import Membership, Organisation, User
from rondom.core.roles import PROFESSIONAL_ROLES, ROLE_ORGANISATION_KINDS, OrganisationKind, Role

from . import rules

K = OrganisationKind

#: The roles an organisation's own functioneel beheerder may grant and end at that organisation. A role that is
#: not listed for a kind is granted only by the gemeente's beheerder or the platform administrator (e.g. the
#: functioneel beheerder itself, the policy officer, anything at a school board or samenwerkingsverband).
STAFF_ROLES: dict[str, frozenset[str]] = {
    K.SCHOOL: frozenset({Role.TEACHER, Role.INTERN_BEGELEIDER, Role.ZORGCOORDINATOR, Role.SCHOOL_SOCIAL_WORKER}),
    K.PROVIDER: frozenset({Role.PROVIDER_CONTACT, Role.SCHOOL_SOCIAL_WORKER}),
    K.WIJKTEAM: frozenset({Role.WIJKTEAM_WORKER, Role.SCHOOL_SOCIAL_WORKER}),
    K.GGD: frozenset({Role.YOUTH_DOCTOR}),
    K.LEERPLICHT: frozenset({Role.LEERPLICHT_OFFICER}),
    K.SWV: frozenset({Role.SWV_LOKET, Role.SWV_EXPERT}),
}


class Standing(StrEnum):
    """From where a holder acts."""

    PLATFORM = "platform"  # a Django superuser: the platform's own administrator
    MUNICIPALITY_ADMIN = "municipality_admin"  # functioneel beheerder of a configured gemeente, in its municipalities
    OWN_ADMIN = "own_admin"  # functioneel beheerder of the target organisation itself
    PRIVACY_OFFICER = "privacy_officer"  # staff account with the permission audit.view_administrationlogentry
    ROLE = "role"  # a professional role (Holder.roles) held at an organisation of Holder.kinds


class Scope(StrEnum):
    """For what a holder acts, i.e. which targets `may(user, task, target)` accepts; with no target, whether there is
    anything at all to act for (so that a menu never offers a page with nothing to do, which answers 403)."""

    PLATFORM = "platform"  # everywhere (the platform administrator, the privacy officer)
    ADMINISTRATION = "administration"  # as administrator: the gemeente's municipalities or the own organisation
    OWN_ORGANISATION = "own_organisation"  # the organisation where the role is held (target: that organisation)
    SCHOOLS_BELOW = "schools_below"  # the schools under the organisation (school board, SWV); none: nothing to do
    SERVED_MUNICIPALITIES = "served_municipalities"  # the municipalities it serves or lies in (target: one of them,
    # or an organisation such as a school in one of them)
    GEMEENTE = "gemeente"  # the municipalities the organisation is the configured gemeente of (accounts.authority)
    ORGANISATION_MUNICIPALITY = "organisation_municipality"  # the municipality the organisation belongs to
    CHILD_RECORD = "child_record"  # a child whose record the access policy opens to the holder (asked apart)


@dataclass(frozen=True)
class Holder:
    standing: Standing
    #: For OWN_ADMIN: the kinds of organisation at which the own administrator holds the right. For ROLE: the kinds
    #: of organisation where the role must be held; None: wherever it is held (the kinds it fits, `roles.py`).
    kinds: frozenset[str] | None = frozenset()
    #: For ROLE: the roles that hold the right.
    roles: frozenset[str] = frozenset()
    scope: Scope = Scope.ADMINISTRATION


@dataclass(frozen=True)
class TaskRight:
    key: str
    description: str | Promise  # lazy: translated when shown
    holders: tuple[Holder, ...]
    #: What `may(..., target)` takes for this task: "organisation", "school", "municipality", "child" or "".
    target: str = ""


def by_role(*roles: str, kinds: Iterable[str] | None = None, scope: Scope = Scope.CHILD_RECORD) -> Holder:
    """A holder by professional role: any of `roles`, at an organisation of one of `kinds` (None: wherever held)."""
    return Holder(Standing.ROLE, None if kinds is None else frozenset(kinds), frozenset(roles), scope)


PLATFORM = Holder(Standing.PLATFORM, scope=Scope.PLATFORM)
MUNICIPALITY_ADMIN = Holder(Standing.MUNICIPALITY_ADMIN)
PRIVACY_OFFICER = Holder(Standing.PRIVACY_OFFICER, scope=Scope.PLATFORM)

_KIND_LABELS: dict[str, Promise] = {
    K.SCHOOL: _("Create a school"),
    K.SCHOOL_BOARD: _("Create a school board"),
    K.SWV: _("Create a samenwerkingsverband"),
    K.MUNICIPALITY: _("Create a gemeente"),
    K.WIJKTEAM: _("Create a wijkteam"),
    K.PROVIDER: _("Create a youth-care provider"),
    K.GGD: _("Create a GGD"),
    K.LEERPLICHT: _("Create a leerplicht/RMC office"),
    K.KNOWLEDGE: _("Create a knowledge institution"),
}


def _role_holders(role: str) -> tuple[Holder, ...]:
    own_kinds = frozenset(kind for kind, roles in STAFF_ROLES.items() if role in roles)
    if own_kinds:
        return (PLATFORM, MUNICIPALITY_ADMIN, Holder(Standing.OWN_ADMIN, own_kinds))
    return (PLATFORM, MUNICIPALITY_ADMIN)


def _build() -> dict[str, TaskRight]:
    rows: list[TaskRight] = []
    for kind in K.values:
        # Only the platform decides that an organisation is a gemeente (and configures it as one).
        holders = (PLATFORM,) if kind == K.MUNICIPALITY else (PLATFORM, MUNICIPALITY_ADMIN)
        rows.append(TaskRight(f"organisation.create.{kind}", _KIND_LABELS[kind], holders))
    rows.append(
        TaskRight(
            "organisation.link",
            _("Link an organisation (part of, serves municipalities)"),
            (PLATFORM, MUNICIPALITY_ADMIN),
        )
    )
    rows.append(TaskRight("municipality.configure", _("Configure which organisation is the gemeente"), (PLATFORM,)))
    for role in sorted(PROFESSIONAL_ROLES):
        label = Role(role).label
        rows.append(
            TaskRight(f"role.grant.{role}", _lazy_format(_("Grant the role %(role)s"), label), _role_holders(role))
        )
        rows.append(TaskRight(f"role.end.{role}", _lazy_format(_("End the role %(role)s"), label), _role_holders(role)))
    rows.append(TaskRight("administration_log.read", _("Read the administration log"), (PLATFORM, PRIVACY_OFFICER)))
    rows.append(
        TaskRight(
            "emergency.review.any",
            _("Review every organisation's emergency uses (privacy officer)"),
            (PLATFORM, PRIVACY_OFFICER),
        )
    )
    rows.extend(_casework())
    return {row.key: row for row in rows}


#: Roles at the school that run its support structure (the support team, its cases, its werkplan).
SCHOOL_CARE = (Role.INTERN_BEGELEIDER, Role.ZORGCOORDINATOR)
#: Roles that may change a case's support data: SUPPORT "rw" at school or in the support team (the category rules),
#: or through an erbij-halen grant (GRANT_ROLES, on the family's consent for support data).
CASE_WORKERS = tuple(
    sorted(
        {
            role
            for table in (rules.SCHOOL_ROLE_RULES, rules.TEAM_ROLE_RULES)
            for role, permissions in table.items()
            if "w" in permissions.get("support", "")
        }
        | rules.GRANT_ROLES
    )
)

#: Roles that may own an action of the support team: whoever reads a child's support data at school, in the
#: support team or through an erbij-halen grant (cases.services.add_action checks the child itself).
ACTION_OWNERS = tuple(
    sorted(
        {
            role
            for table in (rules.SCHOOL_ROLE_RULES, rules.TEAM_ROLE_RULES)
            for role, permissions in table.items()
            if "r" in permissions.get("support", "")
        }
        | rules.GRANT_ROLES
    )
)


def _casework() -> list[TaskRight]:
    """The tasks of the daily work. Where a row adds nothing to the category rules (scope CHILD_RECORD), the policy
    still decides which child; the row decides whether the work is the holder's at all (menu, page, service)."""
    own = Scope.OWN_ORGANISATION
    school = {K.SCHOOL}
    t = TaskRight
    return [
        # --- signals and cases
        t(
            "raise_signal",
            _("Raise a signal (zorgsignaal) about a child one knows"),
            (by_role(*rules.SIGNAL_ROLES),),
            "child",
        ),
        t("run_cases", _("Follow the school's cases (My cases)"), (by_role(*SCHOOL_CARE, scope=own),)),
        t(
            "manage_team",
            _("Run the school's support team: meetings, agenda, invitations"),
            (by_role(*SCHOOL_CARE, scope=own),),
            "organisation",
        ),
        t(
            "own_actions",
            _("Own actions agreed in the support team (My actions)"),
            (by_role(*ACTION_OWNERS),),
        ),
        t(
            "move_case",
            _("Move a case along the workflow (take up, plan, evaluate, scale down, put on hold)"),
            (by_role(*CASE_WORKERS),),
            "child",
        ),
        t("close_case", _("Close a case (ends the help brought in)"), (by_role(*CASE_WORKERS),), "child"),
        t("reopen_case", _("Reopen a closed case"), (by_role(*SCHOOL_CARE),), "child"),
        t("answer_help_requests", _("Answer requests for help (erbij halen)"), (by_role(*sorted(rules.GRANT_ROLES)),)),
        t(
            "work_swv_requests",
            _("See the requests to the own samenwerkingsverband (the loket's queue)"),
            (by_role(Role.SWV_EXPERT, Role.SWV_LOKET, kinds=[K.SWV]),),
        ),
        t(
            "decide_swv_requests",
            _("Plan and decide requests to the samenwerkingsverband (beschikking)"),
            (by_role(Role.SWV_LOKET, kinds=[K.SWV]),),
        ),
        t(
            "advise_swv_requests",
            _("Advise on requests to the samenwerkingsverband as its expert"),
            (by_role(Role.SWV_EXPERT, kinds=[K.SWV]),),
        ),
        t(
            "send_swv_requests",
            _("Send a request for support or a TLV to the samenwerkingsverband for a pupil of the own school"),
            (by_role(Role.INTERN_BEGELEIDER, Role.ZORGCOORDINATOR, scope=own),),
        ),
        t(
            "invite_opp_conversation",
            _("Hear when parents do not agree with the OPP or the minutes, and invite them for a conversation"),
            (by_role(Role.INTERN_BEGELEIDER, Role.ZORGCOORDINATOR, scope=own),),
        ),
        t(
            "follow_swv_decisions",
            _("Hear when a decision of the samenwerkingsverband has not started or ends soon"),
            (by_role(Role.INTERN_BEGELEIDER, Role.ZORGCOORDINATOR, scope=own),),
        ),
        t(
            "log_social_work",
            _("Keep the school social worker's log"),
            (by_role(Role.SCHOOL_SOCIAL_WORKER, scope=own),),
        ),
        t(
            "answer_as_teacher",
            _("Answer the evaluation questionnaire as teacher or mentor"),
            (by_role(Role.TEACHER, *SCHOOL_CARE),),
            "child",
        ),
        t(
            "rate_providers",
            _("Rate the youth-care providers the school worked with"),
            (by_role(*SCHOOL_CARE, kinds=school, scope=own),),
            "organisation",
        ),
        # --- absence and thuiszitters
        t(
            "import_absence",
            _("Import the absence export of the own organisation"),
            (by_role(Role.FUNCTIONAL_ADMIN, scope=own),),
            "organisation",
        ),
        t(
            "import_roster",
            _("Import the pupils, groups and teachers of the own school (roster import)"),
            (by_role(Role.FUNCTIONAL_ADMIN, kinds=[K.SCHOOL], scope=own),),
            "organisation",
        ),
        t(
            "see_absence_signals",
            _("Act on absence signals addressed to one's role"),
            (by_role(Role.LEERPLICHT_OFFICER, Role.YOUTH_DOCTOR),),
        ),
        t(
            "see_thuiszitters",
            _("Follow the register of thuiszitters"),
            (by_role(Role.LEERPLICHT_OFFICER, *SCHOOL_CARE, Role.POLICY_OFFICER, Role.WIJKTEAM_WORKER),),
        ),
        t(
            "register_thuiszitter",
            _("Register a thuiszitter by hand"),
            (by_role(*SCHOOL_CARE, Role.LEERPLICHT_OFFICER),),
            "child",
        ),
        t(
            "record_visit",
            _("Record a home visit of the leerplichtambtenaar"),
            (by_role(Role.LEERPLICHT_OFFICER),),
            "child",
        ),
        t(
            "see_thuiszitter_overview",
            _("See the overview of thuiszitters (counts, no child named)"),
            (
                by_role(Role.POLICY_OFFICER, kinds={K.SCHOOL_BOARD, K.SWV}, scope=Scope.SCHOOLS_BELOW),
                by_role(Role.POLICY_OFFICER, kinds={K.MUNICIPALITY, K.LEERPLICHT}, scope=Scope.SERVED_MUNICIPALITIES),
                by_role(Role.LEERPLICHT_OFFICER, scope=Scope.SERVED_MUNICIPALITIES),
                by_role(*SCHOOL_CARE, scope=own),
            ),
        ),
        # --- monitoring, allocation, werkplans, research
        t(
            "see_monitoring",
            _("See the monitoring dashboard, the allocation and the pilots"),
            (
                by_role(Role.POLICY_OFFICER, kinds={K.MUNICIPALITY}, scope=Scope.GEMEENTE),
                by_role(Role.POLICY_OFFICER, kinds={K.SCHOOL_BOARD, K.SWV}, scope=Scope.ORGANISATION_MUNICIPALITY),
            ),
            "municipality",
        ),
        t(
            "publish_figures",
            _("Freeze a reported school year's monitoring figures"),
            (by_role(Role.POLICY_OFFICER, kinds={K.MUNICIPALITY}, scope=Scope.GEMEENTE),),
            "municipality",
        ),
        t(
            "keep_budget",
            _("Keep a pilot's budget (nulmeting, shrink, spending)"),
            (by_role(Role.POLICY_OFFICER, scope=Scope.GEMEENTE),),
            "municipality",
        ),
        t(
            "compute_allocation",
            _("Set the rules of an allocation round and compute it"),
            (by_role(Role.POLICY_OFFICER, scope=Scope.GEMEENTE),),
            "municipality",
        ),
        t(
            "advise_allocation",
            _("Advise on an allocation round (the school boards together)"),
            (by_role(Role.POLICY_OFFICER, kinds={K.SCHOOL_BOARD}, scope=Scope.ORGANISATION_MUNICIPALITY),),
            "municipality",
        ),
        t(
            "decide_allocation",
            _("Decide an allocation round"),
            (by_role(Role.POLICY_OFFICER, scope=Scope.GEMEENTE),),
            "municipality",
        ),
        t(
            "write_werkplan",
            _("Write the school's werkplan"),
            (by_role(*SCHOOL_CARE, kinds=school, scope=own),),
            "school",
        ),
        t(
            "approve_werkplan",
            _("Approve a werkplan for the own side (school or wijkteam)"),
            (
                by_role(*SCHOOL_CARE, kinds=school, scope=own),
                by_role(Role.WIJKTEAM_WORKER, scope=Scope.SERVED_MUNICIPALITIES),
            ),
            "school",
        ),
        t(
            "export_research",
            _("Export pseudonymised data for research, children with research consent"),
            (by_role(Role.POLICY_OFFICER, scope=Scope.GEMEENTE),),
        ),
        t(
            "export_research_legal_basis",
            _("Export pseudonymised data for research of all children, on a legal basis the municipality documented"),
            (by_role(Role.POLICY_OFFICER, scope=Scope.GEMEENTE),),
        ),
        # --- emergency button
        t(
            "use_emergency_access",
            _("Use the emergency button (noodknop)"),
            (by_role(*sorted(rules.EMERGENCY_ROLES)),),
            "child",
        ),
        t(
            "hear_of_emergency_use",
            _("Be told of an emergency use at the own school"),
            (by_role(*SCHOOL_CARE, scope=own),),
            "organisation",
        ),
        t(
            "review_emergency_use",
            _("Review the own organisation's emergency uses"),
            (by_role(Role.FUNCTIONAL_ADMIN, scope=own),),
            "organisation",
        ),
        # --- staff accounts, the support team, the providers' contacts (issue 15, point 3)
        t(
            "manage_staff",
            _("Invite, change and end the accounts of the own organisation"),
            (by_role(Role.FUNCTIONAL_ADMIN, scope=own),),
            "organisation",
        ),
        t(
            "keep_support_team",
            _("Keep the members of the school's support team"),
            (by_role(*SCHOOL_CARE, Role.FUNCTIONAL_ADMIN, kinds=school, scope=own),),
            "organisation",
        ),
        t(
            "keep_provider_contacts",
            _("Keep the named contact person per school or wijk"),
            (by_role(Role.FUNCTIONAL_ADMIN, kinds={K.PROVIDER, K.WIJKTEAM}, scope=own),),
            "organisation",
        ),
        t(
            "open_administration",
            _("Open the administration (organisations and roles)"),
            (PLATFORM, by_role(Role.FUNCTIONAL_ADMIN, scope=own)),
        ),
        t(
            "manage_api_clients",
            _("Create, rotate and end the own organisation's API clients"),
            (by_role(Role.FUNCTIONAL_ADMIN, scope=own),),
            "organisation",
        ),
    ]


def _fill(template: Promise, label: Promise) -> str:
    return str(template) % {"role": str(label)}


#: "Grant the role Teacher", translated when shown (not when the table is built at import).
_lazy_format = lazy(_fill, str)


#: Every task right, by key.
TASKS: dict[str, TaskRight] = _build()


@dataclass(frozen=True)
class ExportGround:
    """A ground on which a research export includes a child: the ground its access-log rows name, the task right the
    exporter needs, and what the child must have (a consent for a purpose) or the export must name (a legal basis
    listed in a setting) — rule rows, so that no code decides who exports whom."""

    key: str
    ground: str  # access.rules.Ground
    task: str  # a key of TASKS
    description: str | Promise
    consent_purpose: str = ""  # consent.Purpose value each child needs; "" for none
    documented_in: str = ""  # the setting that lists the allowed legal bases; "" for none


#: The research export's grounds (funding/research.py; docs/access-policy.md, "Task rights").
RESEARCH_EXPORT_GROUNDS: dict[str, ExportGround] = {
    "consent": ExportGround(
        "consent",
        rules.Ground.RESEARCH,
        "export_research",
        _("Only children whose family gave research consent"),
        consent_purpose="research",
    ),
    "legal_basis": ExportGround(
        "legal_basis",
        rules.Ground.LEGAL_TASK,
        "export_research_legal_basis",
        _("Every child of the chosen schools, on a legal basis the municipality documented (never typed text)"),
        documented_in="RESEARCH_LEGAL_BASES",
    ),
}


def research_export_ground(user: User, legal_basis: str) -> tuple[ExportGround, Membership]:
    """The row of `RESEARCH_EXPORT_GROUNDS` an export by `user` rests on — "legal_basis" when one is named, else
    "consent" — with the user's membership that holds the row's task right.

    Raises PermissionDenied when the user does not hold that task right, ValidationError on `legal_basis` when the
    basis is not one the municipality documented (`settings.<documented_in>`; AVG art. 6 and 9: typed text would
    let anyone export every child)."""
    row = RESEARCH_EXPORT_GROUNDS["legal_basis" if legal_basis.strip() else "consent"]
    found = memberships(user, row.task)
    if not found:
        raise PermissionDenied(refusal(user, row.task))
    if row.documented_in and legal_basis.strip() not in getattr(settings, row.documented_in):
        raise ValidationError(
            {"legal_basis": gettext("Choose a legal basis the municipality has documented, or leave it empty.")}
        )
    return row, found[0]


#: The role that administers an organisation (as its own administrator, or as the configured gemeente's).
ADMINISTRATOR_ROLE = Role.FUNCTIONAL_ADMIN


def is_own_admin(user: User, organisation: Organisation) -> bool:
    """Whether `user` is the functioneel beheerder of `organisation` itself."""
    return any(m.role == ADMINISTRATOR_ROLE and m.organisation_id == organisation.pk for m in user.roles())


def municipalities_administered(user: User) -> set[int]:
    """The municipalities of which `user` is the functioneel beheerder of the configured gemeente."""
    admin_orgs = [m.organisation_id for m in user.roles() if m.role == ADMINISTRATOR_ROLE]
    if not admin_orgs:
        return set()
    return {pk for ids in governed_municipalities(admin_orgs).values() for pk in ids}


def _within(organisation: Organisation, municipalities: set[int], served: Iterable[Any] = ()) -> bool:
    """An organisation (saved or planned) lies within the administrator's municipalities: it belongs to one of them,
    and every municipality it serves or is to serve is one of them."""
    if organisation.municipality_id not in municipalities:
        return False
    return all(pk_of(m) in municipalities for m in served)


def pk_of(value: Any) -> Any:
    """The primary key of a model instance, or the value itself (an id)."""
    return value.pk if isinstance(value, Model) else value


@dataclass(frozen=True)
class LinkTarget:
    """Target of `organisation.link` and `organisation.create.*`: the organisation with its planned links."""

    organisation: Organisation
    parent: Organisation | None = None
    serves: tuple[Any, ...] = ()


def refusal(user: User, task: str, target: Any = None) -> str | None:
    """None when `user` holds task right `task` for `target`, else the reason in the user's language (Dutch first).

    `target`: for `organisation.create.<kind>` and `organisation.link` a LinkTarget (or the Organisation);
    for `role.grant.<role>` and `role.end.<role>` the organisation where the role is held; for the other rows what
    their `TaskRight.target` names (an Organisation, a Municipality or its id, a Child) or nothing: then the question
    is whether the user holds the right for anything at all (`Scope`).
    Raises KeyError for a task that is not in TASKS (a programming error, never user input)."""
    right = TASKS[task]
    if not user.is_authenticated or not user.is_active:
        return gettext("Log in first.")
    if any(h.standing == Standing.ROLE for h in right.holders):
        if user.is_superuser and PLATFORM in right.holders:
            return None
        if holdings(user, task, target):
            return None
        return gettext("This task is not part of your role here: %(task)s.") % {"task": str(right.description)}
    link = target if isinstance(target, LinkTarget) else LinkTarget(target) if target is not None else None
    for holder in right.holders:
        if holder.standing == Standing.PLATFORM and user.is_superuser:
            return None
        if (
            holder.standing == Standing.PRIVACY_OFFICER
            and user.is_staff
            and user.has_perm("audit.view_administrationlogentry")
        ):
            return None
        if holder.standing == Standing.MUNICIPALITY_ADMIN and link is not None:
            municipalities = municipalities_administered(user)
            if (
                municipalities
                and _within(link.organisation, municipalities, link.serves)
                and (link.parent is None or _within(link.parent, municipalities))
            ):
                return None
        if holder.standing == Standing.OWN_ADMIN and link is not None:
            organisation = link.organisation
            if organisation.pk and organisation.kind in (holder.kinds or ()) and is_own_admin(user, organisation):
                return None
    return _why_not(user, task, link)


def _why_not(user: User, task: str, link: LinkTarget | None) -> str:
    if task.startswith("organisation.create."):
        return gettext(
            "Only the functioneel beheerder of the gemeente or the platform administrator creates an organisation "
            "of this kind, within the gemeente's own municipalities."
        )
    if task == "organisation.link":
        return gettext(
            "Only the functioneel beheerder of the gemeente or the platform administrator links organisations, "
            "within the gemeente's own municipalities."
        )
    if task.startswith(("role.grant.", "role.end.")):
        role = task.rsplit(".", 1)[1]
        if link is not None and is_own_admin(user, link.organisation):
            return gettext(
                "As functioneel beheerder of this organisation you manage only its staff roles; the role %(role)s "
                "is granted by the functioneel beheerder of the gemeente."
            ) % {"role": Role(role).label}
        return gettext("You do not manage this organisation.")
    return gettext("Only the platform administrator or the privacy officer may do this.")


def may(user: User, task: str, target: Any = None) -> bool:
    """Whether `user` holds task right `task` for `target` (see `refusal` for the shapes). The one question for every
    task right; the menu (accounts.context_processors) asks it too."""
    return refusal(user, task, target) is None


def held_by(membership: Membership, task: str) -> bool:
    """Whether this one membership carries task right `task` by its role and its organisation's kind (no scope):
    for a rule on the membership a ground came with, e.g. the role a signal is raised in."""
    return any(_fits(membership, holder) for holder in TASKS[task].holders)


def roles_of(task: str) -> frozenset[str]:
    """Every role that holds task right `task` somewhere (for a query such as "who is told at this school")."""
    return frozenset(role for holder in TASKS[task].holders for role in holder.roles)


def holdings(user: User, task: str, target: Any = None) -> list[tuple[Membership, Holder]]:
    """The user's memberships that carry task right `task` for `target` (see `refusal`), each with the row's holder
    it fits (its scope says for what it acts), in the order of `user.roles()`. Empty for anyone else."""
    if not user.is_authenticated or not user.is_active:
        return []
    found = []
    for membership in user.roles():
        for holder in TASKS[task].holders:
            if _fits(membership, holder) and _reaches(membership, holder.scope, TASKS[task].target, target):
                found.append((membership, holder))
                break
    return found


def memberships(user: User, task: str, target: Any = None) -> list[Membership]:
    """`holdings` without the holders."""
    return [membership for membership, _holder in holdings(user, task, target)]


def _fits(membership: Membership, holder: Holder) -> bool:
    return (
        holder.standing == Standing.ROLE
        and membership.role in holder.roles
        and (holder.kinds is None or membership.organisation.kind in holder.kinds)
    )


def schools_below(organisation_id: int) -> set[int]:
    """The schools under an organisation in the ``parent`` tree: its own schools and those of its member boards."""
    level = {organisation_id}
    found: set[int] = set()
    for _depth in range(2):
        below = list(Organisation.objects.filter(parent_id__in=level).values_list("pk", "kind"))
        found |= {pk for pk, kind in below if kind == K.SCHOOL}
        level = {pk for pk, kind in below if kind != K.SCHOOL}
    return found


def reach(membership: Membership, scope: Scope) -> set[int]:
    """What a membership acts for under `scope`: organisation ids (OWN_ORGANISATION, SCHOOLS_BELOW) or municipality
    ids (the others); empty for CHILD_RECORD and PLATFORM, which the policy or the standing decide."""
    organisation = membership.organisation
    if scope == Scope.OWN_ORGANISATION:
        return {membership.organisation_id}
    if scope == Scope.SCHOOLS_BELOW:
        return schools_below(membership.organisation_id)
    if scope == Scope.GEMEENTE:
        return governed_municipalities([membership.organisation_id]).get(membership.organisation_id, set())
    own: set[int] = set() if organisation.municipality_id is None else {organisation.municipality_id}
    if scope == Scope.ORGANISATION_MUNICIPALITY:
        return own
    if scope == Scope.SERVED_MUNICIPALITIES:
        # The one rule of 'serves this municipality' (accounts.authority): listed, else its own; and governed.
        return served_municipalities([membership.organisation_id], own_when_none=True).get(
            membership.organisation_id, set()
        )
    return set()


def _reaches(membership: Membership, scope: Scope, kind_of_target: str, target: Any) -> bool:
    if scope in (Scope.CHILD_RECORD, Scope.PLATFORM, Scope.ADMINISTRATION):
        return True
    found = reach(membership, scope)
    if scope in (Scope.OWN_ORGANISATION, Scope.SCHOOLS_BELOW):
        return bool(found) if target is None else pk_of(target) in found
    if target is None:
        if kind_of_target == "school":  # something to act for: a school in one of the municipalities
            return Organisation.objects.filter(kind=K.SCHOOL, municipality_id__in=found).exists()
        # Served municipalities: an office that serves none yet still opens its (empty) pages.
        return scope == Scope.SERVED_MUNICIPALITIES or bool(found)
    municipality = target.municipality_id if isinstance(target, Organisation) else pk_of(target)
    return municipality is not None and municipality in found


def role_fits(role: str, organisation: Organisation) -> bool:
    """The declarative table in roles.py: a role is held only at organisations of the kinds it fits."""
    return organisation.kind in ROLE_ORGANISATION_KINDS.get(role, frozenset())


_STANDING_DOCS = {
    Standing.PLATFORM: "platform administrator",
    Standing.MUNICIPALITY_ADMIN: "`functional_admin` of the configured gemeente",
    Standing.OWN_ADMIN: "`functional_admin` of the organisation itself",
    Standing.PRIVACY_OFFICER: "privacy officer",
}


def _holder_docs(holder: Holder) -> str:
    if holder.standing != Standing.ROLE:
        text = _STANDING_DOCS[holder.standing]
        if holder.standing == Standing.OWN_ADMIN and holder.kinds:
            text += " (" + ", ".join(sorted(holder.kinds)) + ")"
        return text
    roles = ", ".join(f"`{role}`" for role in sorted(holder.roles))
    where = "where held" if holder.kinds is None else "at " + ", ".join(sorted(holder.kinds))
    return f"{roles} {where}; scope {holder.scope.value}"


def docs_table() -> str:
    """The table of every task right for docs/access-policy.md ("Task rights"), in English (a test compares it)."""
    lines = ["| task right | held by (role at organisation kinds; scope) | what |", "|---|---|---|"]
    with translation.override("en"):
        for key, row in TASKS.items():
            who = "<br>".join(_holder_docs(h) for h in row.holders)
            lines.append(f"| `{key}` | {who} | {row.description} |")
    return "\n".join(lines) + "\n"
