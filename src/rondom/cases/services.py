"""The daily work of the support structure: signal, case, team, plan, erbij halen. The only place that changes
case data; every change is checked by the access policy and logged in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import log, policy, rules, tasks
from rondom.access.models import AccessGrant, TeamMembership
from rondom.access.policy import Decision
from rondom.access.services import add_team_member
from rondom.accounts.models import Membership, Organisation, User
from rondom.consent.models import Consent, Purpose
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Conflict, LimitReached, Refused
from rondom.core.roles import OrganisationKind
from rondom.idempotency import recent_duplicate
from rondom.limits import GOAL_FIELD_MAX, PLAN_GOALS_MAX, planned_date_error, text_error
from rondom.registry.models import Child
from rondom.schoolcalendar.services import add_working_days
from rondom.versioning import save_versioned

from . import meetings, workflow
from .measures import MEASURE_KEYS, measure_error, value_error
from .measures import normalise as normalise_measure
from .models import (
    ActionItem,
    AgendaItem,
    Case,
    CaseStatus,
    Concern,
    FamilyPlan,
    GoalEvaluation,
    HelpRequest,
    Meeting,
    Plan,
    PlanAgreement,
    PlanVersion,
    ProviderContact,
    Signal,
    SignalSource,
    SocialWorkActivity,
    SupportTeam,
)
from .workflow import State

SUPPORT = DataCategory.SUPPORT


def _log(
    actor: User,
    decision: Decision,
    child_id: int,
    object_type: str,
    object_id: object,
    action: str,
    rule: str | None = None,
) -> None:
    """The change's row on the decision's ground (NotAllowedOnBasis when that ground does not allow `action`;
    `rule` names an exception of access.rules.CHANGE_RULES)."""
    log.log_change(actor, decision, child_id, action=action, object_type=object_type, object_id=object_id, rule=rule)


# --- Signal -------------------------------------------------------------------------------------------------


#: Who files a signal is its source when the filer is one of the sources (issue 12 point 8: a parent labelled a
#: signal as the youth doctor's); the school's support staff and leerplicht record signals that reach them from
#: others (a GP on the phone, a parent at the door), so they choose the source.
OWN_SOURCE = {
    rules.Ground.PARENT: SignalSource.PARENT,
    rules.Ground.YOUTH: SignalSource.YOUTH,
    "teacher": SignalSource.TEACHER,
    "wijkteam_worker": SignalSource.WIJKTEAM,
    "youth_doctor": SignalSource.YOUTH_DOCTOR,
}


class TooManySignals(LimitReached):
    """The filer reached today's number of signals (``SIGNAL_DAILY_LIMIT``/``SIGNAL_DAILY_LIMIT_FAMILY``); the
    views answer 429 with this message (a ``LimitReached``, rondom.core.errors)."""


def own_source(actor: User, child: Child) -> str | None:
    """The source a signal by ``actor`` about ``child`` always has (``SignalSource`` value), derived from the ground
    on which the actor knows the child: the family's ground, or the actor's role there. None when the actor records
    signals on behalf of others and chooses the source.

    Raises nothing."""
    return _own_source(policy.decide(actor, child, Action.READ, DataCategory.IDENTITY).basis)


def _own_source(basis: Any) -> str | None:
    if basis is None:
        return None
    if basis.ground in OWN_SOURCE:
        return OWN_SOURCE[basis.ground]
    return OWN_SOURCE.get(basis.membership.role) if basis.membership is not None else None


def raise_signal(
    actor: User,
    child: Child,
    *,
    source: str | None = None,
    concerns: list[str],
    description: str,
    now: datetime | None = None,
) -> Signal:
    """A teacher, parent, wijkteam, youth doctor or GP raises a worry about a child they know.

    ``source`` counts only for filers who record on behalf of others (see ``own_source``); for everyone else the
    source is who they are, whatever was sent. At most ``SIGNAL_DAILY_LIMIT_FAMILY`` (families) or
    ``SIGNAL_DAILY_LIMIT`` (professionals) signals per filer per calendar day (``now``, Europe/Amsterdam):
    beyond that ``TooManySignals``, nothing written. Raises Http404 outside scope, PermissionDenied without a
    signal role, ValidationError naming the field."""
    now = now or timezone.now()
    decision = policy.decide(actor, child, Action.READ, DataCategory.IDENTITY)
    if not decision.in_scope:
        raise Http404
    basis = decision.basis
    family = basis is not None and basis.ground in (rules.Ground.PARENT, rules.Ground.YOUTH)
    role_ok = basis is not None and basis.membership is not None and tasks.held_by(basis.membership, "raise_signal")
    if not (family or role_ok) or basis is None or basis.ground == rules.Ground.EMERGENCY:
        raise PermissionDenied
    source = _own_source(basis) or source or ""
    errors: dict[str, str] = {}
    if source not in SignalSource.values:
        errors["source"] = _("Unknown source of the signal.")
    if not concerns or any(c not in Concern.values for c in concerns):
        errors["concerns"] = _("Choose one or more concerns from the list.")
    if not description.strip():
        errors["description"] = _("Describe what worries you.")
    elif text_error(description):
        errors["description"] = text_error(description)  # type: ignore[assignment]
    if errors:
        raise ValidationError(errors)
    limit = settings.SIGNAL_DAILY_LIMIT_FAMILY if family else settings.SIGNAL_DAILY_LIMIT
    day_start = timezone.make_aware(datetime.combine(timezone.localtime(now).date(), time.min))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()  # one filer's signals are counted in turn
        # A double submit (same person, same child, same worry, within the window) answers with the first signal,
        # and does not count against the day's limit.
        same = recent_duplicate(
            Signal.objects.filter(child=child, raised_by=actor, source=source, description=description.strip()),
            "raised_at",
            lock=child,
            now=now,
        )
        if same is not None and same.concerns == sorted(set(concerns)):
            return same
        if Signal.objects.filter(raised_by=actor, raised_at__gte=day_start).count() >= limit:
            raise TooManySignals(
                _("You have filed %(n)d signals today, the most for one day. Call the school if it cannot wait.")
                % {"n": limit}
            )
        signal = Signal.objects.create(
            child=child, source=source, concerns=sorted(set(concerns)), description=description.strip(), raised_by=actor
        )
        log.log_change(
            actor,
            decision,
            child,
            action=Action.CREATE,
            category=SUPPORT,
            rule="raise_signal",
            object_type="signal",
            object_id=signal.pk,
        )
    return signal


def record_conversation(actor: User, signal: Signal, *, on: date, notes: str, with_child: bool) -> Signal:
    """The conversation with parents (and child) about the signal: recorded before anything else happens.

    Raises ValidationError with the keys conversation_on (a future date) and conversation_notes (empty); Http404
    outside the actor's scope, PermissionDenied when the policy does not allow updating the support data
    (access.policy.require)."""
    if on > timezone.localdate():
        raise ValidationError({"conversation_on": _("This date lies in the future.")})
    if not notes.strip():
        raise ValidationError({"conversation_notes": _("Write down what was said.")})
    with transaction.atomic():
        decision = policy.require(actor, signal.child, Action.UPDATE, SUPPORT)
        signal.conversation_on, signal.conversation_notes = on, notes.strip()
        signal.conversation_with_child, signal.conversation_by = with_child, actor
        signal.save(
            update_fields=["conversation_on", "conversation_notes", "conversation_with_child", "conversation_by"]
        )
        _log(actor, decision, signal.child_id, "signal", signal.pk, Action.UPDATE)
    return signal


# --- Case and workflow --------------------------------------------------------------------------------------


def support_team_for(school: Organisation) -> SupportTeam:
    """The school's support team, created on first use. Raises nothing."""
    team, _created = SupportTeam.objects.get_or_create(school=school)
    return team


def register_case(actor: User, signal: Signal, *, question: str, today: date | None = None) -> Case:
    """Put a request for help to the school's support team. The team decides within the configured number of
    working days (default 5, as samenwerkingsverbanden promise) after `today` (default: the local date);
    weekends and public holidays do not count (rondom.schoolcalendar).

    Raises ValidationError with the keys signal (no conversation recorded yet), question (empty), child (no school;
    an open case already); Http404 outside the actor's scope, PermissionDenied when the policy does not allow
    creating support data (access.policy.require)."""
    today = today or timezone.localdate()
    child = signal.child
    errors: dict[str, str] = {}
    if signal.conversation_on is None:
        errors["signal"] = _("First talk with the parents (and the child) and record the conversation.")
    if not question.strip():
        errors["question"] = _("Write down the question for the support team.")
    if child.school is None:
        errors["child"] = _("The child has no school with a support team.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        decision = policy.require(actor, child, Action.CREATE, SUPPORT)
        if Case.objects.filter(child=child, status__state__in=workflow.OPEN_STATES).exists():
            raise ValidationError({"child": _("This child already has an open case: add to that one.")})
        case = Case.objects.create(
            child=child,
            team=support_team_for(child.school),  # type: ignore[arg-type]
            signal=signal,
            question=question.strip(),
            registered_by=actor,
            decision_due=add_working_days(today, settings.CASE_DECISION_WORKING_DAYS),
        )
        case.status = CaseStatus.objects.create(case=case, state=State.REGISTERED, changed_by=actor)
        case.save(update_fields=["status"])
        _log(actor, decision, child.pk, "case", case.pk, Action.CREATE)
    return case


def next_states(actor: User, case: Case) -> list[str]:
    """The states `actor` may move `case` to: the workflow's next steps whose task right (workflow.TASK_RIGHTS,
    access.tasks) the actor holds. The access policy on the child is asked by the caller (the page is guarded).
    Raises nothing."""
    return [
        s for s in workflow.next_states(case.state) if tasks.may(actor, workflow.task_right(case.state, s), case.child)
    ]


def change_state(actor: User, case: Case, to_state: str, *, reason: str = "", until: date | None = None) -> Case:
    """Move a case along the workflow table; anything not in the table is refused with a clear message.

    Raises ValidationError with the keys state (unknown, or not a step of the workflow table), reason (a step that
    needs one), until (on hold without a date from today on); PermissionDenied with the Dutch reason without the
    step's task right (`workflow.TASK_RIGHTS`: move_case, close_case, reopen_case; access.tasks); Http404 outside
    the actor's scope, PermissionDenied when the policy does not allow updating the support data
    (access.policy.require)."""
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("status", "child").get(pk=case.pk)
        decision = policy.require(actor, case.child, Action.UPDATE, SUPPORT)
        current = case.state
        if to_state not in State.values:
            raise ValidationError({"state": _("Unknown state.")})
        if not workflow.allowed(current, to_state):
            raise ValidationError(
                {
                    "state": _("A case cannot go from '%(from)s' to '%(to)s'. Possible next steps: %(next)s.")
                    % {
                        "from": State(current).label,
                        "to": State(to_state).label,
                        "next": ", ".join(str(State(s).label) for s in workflow.next_states(current)) or "—",
                    }
                }
            )
        refused = tasks.refusal(actor, workflow.task_right(current, to_state), case.child)
        if refused is not None:
            raise PermissionDenied(refused)
        if to_state in workflow.NEEDS_REASON and not reason.strip():
            raise ValidationError({"reason": _("Write down why.")})
        if to_state in workflow.NEEDS_UNTIL and (until is None or until < timezone.localdate()):
            raise ValidationError({"until": _("Say until when the case is on hold (a date from today on).")})
        case.status = CaseStatus.objects.create(
            case=case, state=to_state, reason=reason.strip(), until=until, changed_by=actor
        )
        fields = ["status"]
        if to_state == State.CLOSED:
            joined = case.help_requests.filter(joined_at__isnull=False).exists()
            # Refused at the door: not a case the school solved. Otherwise: solved without outside help?
            case.solved_within_school = None if current == State.REGISTERED else not joined
            fields.append("solved_within_school")
            _end_help(case, _("The case was closed."))
        case.save(update_fields=fields)
        _log(actor, decision, case.child_id, "case", case.pk, Action.UPDATE)
    return case


def _end_help(case: Case, reason: str) -> None:
    """Access brought in for this case ends with it."""
    now = timezone.now()
    for request in case.help_requests.select_related("grant"):
        if request.grant is not None and request.grant.revoked_at is None:
            AccessGrant.objects.filter(pk=request.grant.pk).update(revoked_at=now)
        if request.closed_at is None:
            request.closed_at, request.closed_reason = now, reason
            request.save(update_fields=["closed_at", "closed_reason"])


# --- Support team meeting -----------------------------------------------------------------------------------


def put_on_agenda(
    actor: User,
    case: Case,
    meeting: Meeting,
    invited: list[Membership],
    *,
    youth_invited: bool = False,
    parents_invited: bool = True,
    today: date | None = None,
) -> AgendaItem:
    """Invite only members who know the child; members from outside the school join the child's team on the
    family's consent for the support team (see access.services.add_team_member). The parents are invited unless
    `parents_invited` is False; the youth when `youth_invited`.

    Raises ValidationError with the key meeting (another team's, before `today` — default the local date — or the
    case is on this meeting's agenda already) and the keys of access.services.add_team_member for an invitee;
    Http404 outside the actor's scope, PermissionDenied when the policy does not allow updating the support data
    (access.policy.require)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        decision = policy.require(actor, case.child, Action.UPDATE, SUPPORT)
        if meeting.team_id != case.team_id:
            raise ValidationError({"meeting": _("This meeting belongs to another support team.")})
        if meeting.date < today:
            raise ValidationError({"meeting": _("This meeting has already taken place.")})
        if AgendaItem.objects.filter(meeting=meeting, case=case).exists():
            raise ValidationError({"meeting": _("The case is on this meeting's agenda already.")})
        item = AgendaItem.objects.create(
            meeting=meeting, case=case, youth_invited=youth_invited, parents_invited=parents_invited
        )
        for membership in invited:
            if not TeamMembership.objects.filter(
                child=case.child, membership=membership, ended_at__isnull=True
            ).exists():
                consent = None
                if membership.organisation_id != case.child.school_id:
                    consent = Consent.objects.fitting(case.child, Purpose.SUPPORT_TEAM, membership.organisation).first()
                add_team_member(actor, case.child, membership, consent)
            item.invited.add(membership)
        meetings.notify_invited(meeting, invited, actor=actor, item=item)
        _log(actor, decision, case.child_id, "agenda_item", item.pk, Action.CREATE)
        if case.state == State.REGISTERED:
            change_state(actor, case, State.IN_DISCUSSION)
    return item


def add_action(
    actor: User,
    case: Case,
    *,
    description: str,
    owner: Membership,
    due: date,
    agenda_item: AgendaItem | None = None,
    today: date | None = None,
) -> ActionItem:
    """A decision of the team becomes an action with an owner, a due date (from `today` on and at most
    rondom.limits.PLANNED_DATE_MAX_DAYS_AHEAD days after it; `today` is the view's `timezone.localdate()`, the local
    date when not given) and a status; `agenda_item` names the meeting's item it was agreed in. The owner is notified
    (without the child's name: cases.meetings.notify_owner) and finds it under "Mijn acties". A double submit (the
    same actor, case, item, description, owner and due date within the window of rondom.idempotency) returns the
    action already made: one action, one notification, one log row.

    Raises ValidationError with the keys description (empty), due (in the past or too far ahead), owner (not someone
    who works with the child), agenda_item (another case's); Http404 outside the actor's scope, PermissionDenied
    when the policy does not allow updating the support data (access.policy.require)."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = _("Describe the action.")
    if due < today:
        errors["due"] = _("The due date lies in the past.")
    elif problem := planned_date_error(due, today, label=_("Due date")):
        errors["due"] = problem
    if agenda_item is not None and agenda_item.case_id != case.pk:
        errors["agenda_item"] = _("This agenda item is about another case.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        decision = policy.require(actor, case.child, Action.UPDATE, SUPPORT)
        if not policy.decide(owner.user, case.child, Action.READ, SUPPORT).allowed:
            raise ValidationError({"owner": _("The owner must be someone who works with this child.")})
        same = recent_duplicate(
            ActionItem.objects.filter(
                case=case,
                agenda_item=agenda_item,
                description=description.strip(),
                owner=owner,
                due=due,
                created_by=actor,
            ),
            "created_at",
            lock=case.child,
        )
        if same is not None:
            return same  # a double submit: the action (and its one notification) exists already
        item = ActionItem.objects.create(
            case=case,
            description=description.strip(),
            owner=owner,
            due=due,
            agenda_item=agenda_item,
            created_by=actor,
        )
        _log(actor, decision, case.child_id, "action", item.pk, Action.CREATE)
        meetings.notify_owner(item)
    return item


def record_minutes(actor: User, item: AgendaItem, *, minutes: str, present: list[User], version: int) -> AgendaItem:
    """The minutes of a case discussed in the meeting; only those present may read them afterwards. Only who may
    read them (cases.meetings.may_read_minutes: present, or the school's ib/zc) may write them; `present` is the
    whole list of who was present, as the form says (the writer is not added to it by writing).

    `version` is the version of the minutes the actor read: if someone saved in between, Conflict
    (rondom.versioning) is raised and nothing is written.

    Raises ValidationError with the key minutes (too long or control characters, rondom.limits.text_error); Conflict
    (rondom.core.errors) on a stale version; Http404 outside the actor's scope, PermissionDenied (Dutch reason) when
    the policy does not allow updating the support data (access.policy.require) or the actor may not read the
    minutes (was not present, does not run the school's team)."""
    problem = text_error(minutes, required=False)
    if problem:
        raise ValidationError({"minutes": problem})
    with transaction.atomic():
        decision = policy.require(actor, item.case.child, Action.UPDATE, SUPPORT)
        if not meetings.may_read_minutes(actor, item):
            raise Refused(minutes_refusal())
        save_versioned(item, version, {"minutes": minutes.strip()})
        item.present.set(set(present))
        _log(actor, decision, item.case.child_id, "minutes", item.pk, Action.UPDATE)
    return item


def minutes_refusal() -> str:
    """The Dutch reason someone who may not read the minutes cannot write them either. Raises nothing."""
    return _(
        "Only who was present at the meeting, and the intern begeleider and zorgcoördinator of the school, write the "
        "minutes."
    )


def minutes_for(user: User, item: AgendaItem) -> str | None:
    """The minutes, for those who were present and the intern begeleider and zorgcoördinator of the case's school
    (cases.meetings.may_read_minutes); None for everyone else.

    Raises nothing; the caller has checked the scope."""
    return item.minutes if meetings.may_read_minutes(user, item) else None


# --- One plan -----------------------------------------------------------------------------------------------

DOMAINS = ("school", "home", "leisure", "work")
#: The keys of one goal in ``Plan.content["goals"]`` (and in each PlanVersion): all strings; ``evaluate_on`` is an
#: ISO date (``"2026-05-01"``) or ``""`` (evaluated at the plan's ``next_evaluation``). ``support`` (what help) and
#: ``evaluate_on`` came with issue 14 (migration cases 0004 added them to the goals saved before). The measure keys
#: (``measures.MEASURE_KEYS``: ``measure_kind`` "scale"|"own"|"", name, unit, start, aim, what 0 and 10 mean) came
#: with issue 16; a goal without them is on the 0-10 scale without an aim (cases.measures, docs/cases.md).
GOAL_KEYS = (
    "id",
    "domain",
    "description",
    "target",
    "owner",
    "support",
    "support_by",
    "support_where",
    "evaluate_on",
    *MEASURE_KEYS,
)
WORK_DOMAIN_AGE = 16
MIN_EDUCATION_GOALS_WITH_TREATMENT = 2


class PlanConflict(Conflict):
    """Someone saved the plan after you read it. Nothing was written; ``changes`` shows what they changed, per goal
    (``diff_goals``: ``[{"goal": id, "change": "added"|"removed"|"changed", ...}]``). API: 409 with the
    current version and the changes (rondom.config.api)."""

    def __init__(self, current_version: int, changes: list[dict[str, Any]] | None = None) -> None:
        super().__init__(
            current_version,
            changes,
            _(
                "Someone else saved the plan in the meantime. Nothing of yours was saved: look at the changes, "
                "reload the plan and try again."
            ),
        )


def goal_evaluation_date(goal: dict[str, Any]) -> date | None:
    """The goal's own evaluation date (``evaluate_on``), or None when it has none or it is not an ISO date.

    Raises nothing."""
    try:
        return date.fromisoformat(str(goal.get("evaluate_on") or ""))
    except ValueError:
        return None


def _goal_errors(
    child: Child, goals: list[dict[str, Any]], includes_treatment: bool, today: date | None = None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not isinstance(goals, list):
        return {"goals": _("The goals must be a list.")}
    if len(goals) > PLAN_GOALS_MAX:
        return {
            "goals": _("A plan holds at most %(max)d goals (this one has %(n)d).")
            % {"max": PLAN_GOALS_MAX, "n": len(goals)}
        }
    for number, goal in enumerate(goals, start=1):
        if not isinstance(goal, dict):
            errors["goals"] = _("Goal %(n)d is not readable.") % {"n": number}
            break
        # The id is not checked: the server replaces an id it did not give (_normalise_goals).
        too_long = [k for k, v in goal.items() if k != "id" and isinstance(v, str) and len(v) > GOAL_FIELD_MAX]
        if too_long:
            errors["goals"] = _("Goal %(n)d: %(field)s is longer than %(max)d characters.") % {
                "n": number,
                "field": too_long[0],
                "max": GOAL_FIELD_MAX,
            }
            break
        if goal.get("domain") not in DOMAINS:
            errors["goals"] = _("Goal %(n)d: choose the domain school, home, leisure or work.") % {"n": number}
        elif goal["domain"] == "work" and child.age_on() < WORK_DOMAIN_AGE:
            errors["goals"] = _("Goal %(n)d: work goals are for youths of 16 and older.") % {"n": number}
        elif not str(goal.get("description", "")).strip() or not str(goal.get("target", "")).strip():
            errors["goals"] = _("Goal %(n)d needs a description and a concrete target.") % {"n": number}
        elif not str(goal.get("owner", "")).strip():
            errors["goals"] = _("Goal %(n)d needs an owner: who sees to it?") % {"n": number}
        elif goal.get("evaluate_on") and goal_evaluation_date(goal) is None:
            errors["goals"] = _("Goal %(n)d: the evaluation date is not a date.") % {"n": number}
        elif today is not None and (
            message := planned_date_error(
                goal_evaluation_date(goal), today, label=_("Goal %(n)d: evaluate on") % {"n": number}
            )
        ):
            errors["goals"] = message
        if not errors and (message := measure_error(goal, number)):
            errors["goals"] = message
        if errors:
            break
    education = sum(1 for g in goals if isinstance(g, dict) and g.get("domain") == "school")
    if not errors and includes_treatment and education < MIN_EDUCATION_GOALS_WITH_TREATMENT:
        errors["goals"] = _(
            "A plan that includes treatment by a youth-care provider holds at least two education goals "
            "(it now has %(n)d)."
        ) % {"n": education}
    return errors


def new_goal_id() -> str:
    """A fresh goal id, made by the server: 32 lowercase hex digits (a random UUID). Raises nothing."""
    return uuid.uuid4().hex


def _goal_ids(plan: Plan) -> set[str]:
    """The ids of the goals of `plan` as it is stored now (none for a new plan)."""
    goals = plan.content.get("goals", []) if isinstance(plan.content, dict) else []
    return {g["id"] for g in goals if isinstance(g, dict) and isinstance(g.get("id"), str) and g["id"]}


def _normalise_goals(goals: list[dict[str, Any]], current_ids: Collection[str]) -> list[dict[str, Any]]:
    """The goals as stored: the keys of GOAL_KEYS, stripped strings, ``evaluate_on`` an ISO date or "".

    Goal ids are the server's: a goal keeps the id it was sent with only when that id is one of `current_ids` (the
    goals of the plan as it is now, so its evaluations, GoalEvaluation.goal_id, keep pointing at it) and no goal
    before it in the list kept it already. Any other id (empty, unknown, a duplicate, of any length or form) makes
    it a new goal with a fresh id (`new_goal_id`): never an error, never two goals with one id."""
    normalised = []
    kept: set[str] = set()
    for goal in goals:
        item = {k: str(goal.get(k, "") or "").strip() for k in GOAL_KEYS if k != "id"}
        on = goal_evaluation_date(item)
        item["evaluate_on"] = on.isoformat() if on else ""
        normalise_measure(item, goal)
        sent = goal.get("id")
        known = isinstance(sent, str) and sent in current_ids and sent not in kept
        goal_id = str(sent) if known else new_goal_id()
        kept.add(goal_id)
        normalised.append({"id": goal_id, **item})
    return normalised


def diff_goals(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What changed between two versions of the goals: added, removed and changed goals (with the fields).

    Shape: ``[{"goal": id, "change": "added"|"removed"|"changed", "description": ..., "fields": [...]}]`` (``fields``
    only for a changed goal). Raises nothing."""
    old, new = {g["id"]: g for g in before}, {g["id"]: g for g in after}
    changes: list[dict[str, Any]] = []
    for gid, goal in new.items():
        if gid not in old:
            changes.append({"goal": gid, "change": "added", "description": goal["description"]})
        elif goal != old[gid]:
            fields = sorted(k for k in goal if goal[k] != old[gid].get(k))
            changes.append({"goal": gid, "change": "changed", "fields": fields, "description": goal["description"]})
    for gid, goal in old.items():
        if gid not in new:
            changes.append({"goal": gid, "change": "removed", "description": goal["description"]})
    return changes


def save_plan(
    actor: User,
    child: Child,
    *,
    goals: list[dict[str, Any]],
    includes_treatment: bool,
    base_version: int,
    next_evaluation: date | None = None,
    today: date | None = None,
) -> Plan:
    """Save the child's one plan. `base_version` is the version the actor read: if someone saved in between,
    PlanConflict is raised with what they changed, and nothing is written. `goals`: dicts with the keys of
    GOAL_KEYS (missing ones are saved as ""; `evaluate_on` an ISO date or ""). A goal's `id` is kept only when it
    is the id of a goal of the plan as stored now (once); any other goal gets a fresh server id (_normalise_goals),
    so evaluations keep pointing at their goal and no two goals share an id. `today` (the caller's
    `timezone.localdate()`): when given, the plan's and the goals' evaluation dates must lie from today up to
    rondom.limits.PLANNED_DATE_MAX_DAYS_AHEAD days ahead (the web form and the API pass it; imports of history
    and the demo do not).

    Raises ValidationError with the key goals (not a list, too many, a goal breaking a rule, an evaluation date
    that is no date or out of range, too few education goals with treatment; the message names the goal) and
    next_evaluation (out of range); PlanConflict (a rondom.core.errors.Conflict, 409) on a
    stale base_version; Http404 outside the actor's scope, PermissionDenied when the policy does not allow updating
    the support data (access.policy.require)."""
    errors = _goal_errors(child, goals, includes_treatment, today)
    if today is not None and (
        message := planned_date_error(next_evaluation, today, label=_("Next evaluation of the plan"))
    ):
        errors["next_evaluation"] = message
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        decision = policy.require(actor, child, Action.UPDATE, SUPPORT)
        plan, _created = Plan.objects.select_for_update().get_or_create(child=child)
        if plan.version != base_version:
            base = plan.versions.filter(number=base_version).first()
            before = base.content.get("goals", []) if base else []
            raise PlanConflict(plan.version, diff_goals(before, plan.content.get("goals", [])))
        normalised = _normalise_goals(goals, _goal_ids(plan))
        plan.version += 1
        # Only the goals change: the plan's other parts (the OPP, `content["opp"]`, rondom.opp) are kept.
        plan.content = {**(plan.content if isinstance(plan.content, dict) else {}), "goals": normalised}
        plan.includes_treatment = includes_treatment
        plan.next_evaluation = next_evaluation
        plan.save()
        PlanVersion.objects.create(
            plan=plan, number=plan.version, content=plan.content, includes_treatment=includes_treatment, saved_by=actor
        )
        _log(actor, decision, child.pk, "plan", f"{plan.pk}:v{plan.version}", Action.UPDATE)
    return plan


def link_family_plan(actor: User, plan: Plan, sibling_plan: Plan) -> FamilyPlan:
    """One family, one plan: link the plans of siblings (they share a parent with authority), also across
    schools. Linking shows no one more than before: each plan stays readable only on its own grounds.

    Raises ValidationError with the key sibling_plan (the same plan, or no shared parent with authority); Http404
    outside the actor's scope, PermissionDenied when the policy does not allow updating the support data
    (access.policy.require)."""
    with transaction.atomic():
        decision = policy.require(actor, plan.child, Action.UPDATE, SUPPORT)
        parents = set(plan.child.guardianships.filter(has_authority=True).values_list("user_id", flat=True))
        if (
            plan.pk == sibling_plan.pk
            or not sibling_plan.child.guardianships.filter(has_authority=True, user_id__in=parents).exists()
        ):
            raise ValidationError({"sibling_plan": _("Only plans of siblings with a shared parent can be linked.")})
        family = plan.family_plan or sibling_plan.family_plan or FamilyPlan.objects.create()
        Plan.objects.filter(pk__in=[plan.pk, sibling_plan.pk]).update(family_plan=family)
        _log(actor, decision, plan.child_id, "family_plan", family.pk, Action.UPDATE)
    return family


def record_agreement(
    actor: User, plan: Plan, *, capacity: str, person_name: str, agrees: bool, own_words: str = ""
) -> PlanAgreement:
    """A parent's agreement (or not) with the current plan version, or the youth's own view in their own words.

    Raises ValidationError with the keys capacity (neither a parent nor the youth), person_name (empty), plan (no
    plan version yet); Http404 outside the actor's scope, PermissionDenied when the policy does not allow updating
    the support data (access.policy.require)."""
    if capacity not in PlanAgreement.Capacity.values:
        raise ValidationError({"capacity": _("Say whether a parent or the youth speaks.")})
    if not person_name.strip():
        raise ValidationError({"person_name": _("Name the person.")})
    if plan.version == 0:
        raise ValidationError({"plan": _("There is no plan to agree to yet.")})
    with transaction.atomic():
        decision = policy.require(actor, plan.child, Action.UPDATE, SUPPORT)
        agreement = PlanAgreement.objects.create(
            plan=plan,
            version=plan.version,
            capacity=capacity,
            person_name=person_name.strip(),
            agrees=agrees,
            own_words=own_words.strip(),
            recorded_by=actor,
        )
        _log(actor, decision, plan.child_id, "plan_agreement", agreement.pk, Action.CREATE)
    return agreement


def evaluate_goal(
    actor: User,
    plan: Plan,
    *,
    goal_id: str,
    rater: str,
    score: int,
    comment: str = "",
    on: date | None = None,
    value: Decimal | str | int | float | None = None,
) -> GoalEvaluation:
    """One evaluation of a goal of the current plan by a rater (1-5), with the goal's measure at this moment when
    given (`value`: 0..10 on the scale, a number within ±999999.99 with at most two decimals on the goal's own
    measure; text may use a decimal comma; cases.measures). Each evaluation with a value is a point of the goal's
    progress (cases.progress).

    Raises ValidationError with the keys goal_id (not in the current plan), rater (unknown), score (not 1-5), value
    (no number, too many decimals, out of range); Http404 outside the actor's scope, PermissionDenied when the
    policy does not allow updating the support data (access.policy.require)."""
    goal = next((g for g in plan.content.get("goals", []) if g.get("id") == goal_id), None)
    if goal is None:
        raise ValidationError({"goal_id": _("This goal is not in the current plan.")})
    if rater not in GoalEvaluation.Rater.values:
        raise ValidationError({"rater": _("Unknown rater.")})
    if not 1 <= int(score) <= 5:
        raise ValidationError({"score": _("Give a score from 1 (not at all) to 5 (fully reached).")})
    number, message = value_error(goal, value)
    if message:
        raise ValidationError({"value": message})
    with transaction.atomic():
        decision = policy.require(actor, plan.child, Action.UPDATE, SUPPORT)
        evaluation = GoalEvaluation.objects.create(
            plan=plan,
            goal_id=goal_id,
            rater=rater,
            score=int(score),
            value=number,
            comment=comment.strip(),
            evaluated_on=on or timezone.localdate(),
            recorded_by=actor,
        )
        _log(actor, decision, plan.child_id, "goal_evaluation", evaluation.pk, Action.CREATE)
    return evaluation


# --- Erbij halen --------------------------------------------------------------------------------------------


def contact_for(provider: Organisation, child: Child) -> Membership | None:
    """The provider's one named person for the child's school, or else for the child's wijk.

    Raises nothing."""
    contacts = ProviderContact.objects.filter(provider=provider).select_related("membership")
    by_school = contacts.filter(school_id=child.school_id).first()
    if by_school is None and child.wijk_id:
        by_school = contacts.filter(wijk_id=child.wijk_id).first()
    return by_school.membership if by_school else None


def providers_with_contact(child: Child) -> QuerySet[Organisation]:
    """The providers and wijkteams that have a named contact person for the child's school, or for the child's wijk
    (the same rule as `contact_for`), by name: the only ones help can be brought in from for this child.

    Raises nothing."""
    area = Q(school_id=child.school_id) if child.school_id else Q(pk__in=[])
    if child.wijk_id:
        area |= Q(wijk_id=child.wijk_id)
    contacts = ProviderContact.objects.filter(area)
    return Organisation.objects.filter(
        kind__in=(OrganisationKind.PROVIDER, OrganisationKind.WIJKTEAM), pk__in=contacts.values("provider_id")
    ).order_by("name")


def request_help(
    actor: User,
    case: Case,
    *,
    kind: str,
    provider: Organisation,
    question: str,
    urgency: str = HelpRequest.Urgency.NORMAL,
    consent: Consent | None = None,
    categories: list[str] | None = None,
    ends_on: date | None = None,
) -> HelpRequest:
    """Bring in a provider's named person without referral or indication, on the family's consent; or record a
    referral outside school (a different kind, so monitoring sees the shift from referring to bringing in).

    Raises ValidationError with the keys kind, provider (not a provider or wijkteam; no named contact), question,
    urgency, case (closed), consent (no active consent naming this provider), categories (beyond the consent),
    ends_on (missing, past, or beyond ACCESS_GRANT_MAX_DAYS); Http404 outside the actor's scope, PermissionDenied
    when the policy does not allow updating the support data (access.policy.require)."""
    categories = sorted(set(categories or []))
    errors: dict[str, str] = {}
    if kind not in HelpRequest.Kind.values:
        errors["kind"] = _("Unknown kind of request.")
    if provider.kind not in (OrganisationKind.PROVIDER, OrganisationKind.WIJKTEAM):
        errors["provider"] = _("Help is brought in from a youth-care provider or the wijkteam.")
    if not question.strip():
        errors["question"] = _("Write down the question for the provider.")
    if urgency not in HelpRequest.Urgency.values:
        errors["urgency"] = _("Unknown urgency.")
    if case.state not in workflow.OPEN_STATES:
        errors["case"] = _("The case is closed.")
    contact = None
    if kind == HelpRequest.Kind.BRING_IN and not errors:
        contact = contact_for(provider, case.child)
        if contact is None:
            errors["provider"] = _("This provider has no named contact person for this school or wijk.")
        if consent is None or not consent.fits(case.child_id, (Purpose.PROVIDER, Purpose.WIJKTEAM), provider):
            errors["consent"] = _("Bringing in help needs the family's active consent naming this provider.")
        elif not categories or not set(categories) <= set(consent.categories):
            errors["categories"] = _("Only parts of the record the family consented to can be shared.")
        if ends_on is None or ends_on <= timezone.localdate():
            errors["ends_on"] = _("Say until when the help is brought in (a date after today).")
        elif ends_on > timezone.localdate() + timedelta(days=settings.ACCESS_GRANT_MAX_DAYS):
            errors["ends_on"] = _("Help is brought in for at most %(days)d days at a time.") % {
                "days": settings.ACCESS_GRANT_MAX_DAYS
            }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        decision = policy.require(actor, case.child, Action.UPDATE, SUPPORT)
        request = HelpRequest.objects.create(
            case=case,
            kind=kind,
            provider=provider,
            contact=contact,
            question=question.strip(),
            urgency=urgency,
            consent=consent if kind == HelpRequest.Kind.BRING_IN else None,
            categories=categories,
            ends_on=ends_on,
            requested_by=actor,
        )
        _log(actor, decision, case.child_id, "help_request", request.pk, Action.CREATE)
    return request


def _own_request(actor: User, request: HelpRequest) -> HelpRequest:
    request = (
        HelpRequest.objects.select_for_update(of=("self",)).select_related("case__child", "contact").get(pk=request.pk)
    )
    if request.contact is None or request.contact.user_id != actor.pk:
        raise Http404
    if request.closed_at is not None:
        raise ValidationError({"request": _("This request is closed.")})
    return request


def record_first_contact(actor: User, request: HelpRequest) -> HelpRequest:
    """The contact person reached the family or the school: the waiting time families feel ends here.

    Raises Http404 when the request is not addressed to the actor, ValidationError with the key request when it is
    closed; Http404 outside the actor's scope, PermissionDenied when the policy does not allow reading the child's
    basic details (access.policy.require)."""
    with transaction.atomic():
        request = _own_request(actor, request)
        if request.first_contact_at is None:
            request.first_contact_at = timezone.now()
            request.save(update_fields=["first_contact_at"])
            decision = policy.require(actor, request.case.child, Action.READ, DataCategory.IDENTITY)
            _log(actor, decision, request.case.child_id, "help_request", request.pk, Action.UPDATE, "answer_request")
    return request


def join(actor: User, request: HelpRequest) -> HelpRequest:
    """The contact person joins: access to that child only, only the consented categories, until the end date
    or until the case closes, whichever comes first.

    Raises Http404 when the request is not addressed to the actor, ValidationError with the keys request (closed)
    and consent (no longer active); Http404 outside the actor's scope, PermissionDenied when the policy does not
    allow reading the child's basic details (access.policy.require)."""
    with transaction.atomic():
        request = _own_request(actor, request)
        if request.joined_at is not None:
            return request
        child = request.case.child
        consent = request.consent
        if not request.consent_active():
            raise ValidationError({"consent": _("The family's consent is no longer active.")})
        decision = policy.require(actor, child, Action.READ, DataCategory.IDENTITY)
        now = timezone.now()
        assert request.ends_on is not None and request.contact is not None and consent is not None
        request.grant = AccessGrant.objects.create(
            child=child,
            grantee=request.contact,
            consent=consent,
            categories=request.categories,
            valid_from=now,
            valid_until=timezone.make_aware(datetime.combine(request.ends_on, time.max)),
            granted_by=request.requested_by,
        )
        request.first_contact_at = request.first_contact_at or now
        request.joined_at = now
        request.save(update_fields=["grant", "first_contact_at", "joined_at"])
        _log(actor, decision, child.pk, "help_request", request.pk, Action.UPDATE, "answer_request")
    return request


def decline(actor: User, request: HelpRequest, reason: str) -> HelpRequest:
    """The contact person declines the request with a reason; it closes. Raises ValidationError with the keys reason
    (empty) and request (closed), Http404 when the request is not addressed to the actor; Http404 outside the
    actor's scope, PermissionDenied when the policy does not allow reading the child's basic details
    (access.policy.require)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Write down why.")})
    with transaction.atomic():
        request = _own_request(actor, request)
        decision = policy.require(actor, request.case.child, Action.READ, DataCategory.IDENTITY)
        request.closed_at, request.closed_reason = timezone.now(), reason.strip()
        request.save(update_fields=["closed_at", "closed_reason"])
        _log(actor, decision, request.case.child_id, "help_request", request.pk, Action.UPDATE, "answer_request")
    return request


# --- School social work log ---------------------------------------------------------------------------------


def log_activity(
    actor: User,
    *,
    school: Organisation,
    role: str,
    hours: float,
    on: date,
    case: Case | None = None,
    description: str = "",
) -> SocialWorkActivity:
    """The school social worker logs hours under one of the three roles, optionally for a case. Raises
    PermissionDenied without the task right log_social_work (access.tasks); ValidationError with the keys role,
    hours (not above 0 and at most 24), date (in the future), school (not a school); with a case, Http404 outside
    the actor's scope, PermissionDenied when the policy does not allow updating its support data
    (access.policy.require)."""
    membership = next(iter(tasks.memberships(actor, "log_social_work")), None)
    if membership is None:
        raise PermissionDenied
    errors: dict[str, str] = {}
    if role not in SocialWorkActivity.Role.values:
        errors["role"] = _("Choose one of the three roles of school social work.")
    if not 0 < float(hours) <= 24:
        errors["hours"] = _("Hours must be more than 0 and at most 24.")
    if on > timezone.localdate():
        errors["date"] = _("This date lies in the future.")
    if school.kind != OrganisationKind.SCHOOL:
        errors["school"] = _("This organisation is not a school.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if case is not None:
            decision = policy.require(actor, case.child, Action.UPDATE, SUPPORT)
            _log(actor, decision, case.child_id, "social_work_activity", case.pk, Action.CREATE)
        return SocialWorkActivity.objects.create(
            social_worker=membership,
            school=school,
            case=case,
            role=role,
            hours=hours,
            date=on,
            description=description.strip(),
        )
