"""The thuiszitter register and its escalation ladder. Every step, decision, interim arrangement and visit is
recorded with who and when, and written to the access log in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import log, policy, tasks
from rondom.access.policy import Decision
from rondom.accounts.models import Membership, User
from rondom.attendance.models import ThresholdSignal
from rondom.attendance.services import evaluate
from rondom.cases.models import Case
from rondom.core.categories import Action, DataCategory
from rondom.core.roles import OrganisationKind
from rondom.idempotency import lock_row
from rondom.notifications.services import active_memberships, notify, serving_q
from rondom.registry.models import Child
from rondom.schoolcalendar.services import add_working_days

from .models import (
    EscalationDecision,
    EscalationLevel,
    EscalationStep,
    InterimArrangement,
    LeerplichtVisit,
    Reason,
    Thuiszitter,
    ThuiszitterKind,
)

ABSENCE = DataCategory.ABSENCE


def ladder_for(child: Child) -> list[EscalationLevel]:
    """The ladder of the child's home municipality, or the default ladder when it has none of its own.

    Raises nothing."""
    own = list(EscalationLevel.objects.filter(municipality_id=child.home_municipality_id).order_by("rank"))
    return own or list(EscalationLevel.objects.filter(municipality__isnull=True).order_by("rank"))


def deciders(level: EscalationLevel, thuiszitter: Thuiszitter) -> list[Membership]:
    """The memberships that decide at `level` for this child: at a school level the child's school, at other
    levels an organisation serving the child's home municipality.

    Raises nothing."""
    child = thuiszitter.child
    found: list[Membership] = []
    for pair in level.deciders:
        memberships = active_memberships().filter(role=pair["role"], organisation__kind=pair["kind"])
        if pair["kind"] == OrganisationKind.SCHOOL:
            school_id = thuiszitter.school_id or child.school_id
            memberships = memberships.filter(organisation_id=school_id) if school_id else memberships.none()
            # A teacher decides only for the pupils of the groups he or she teaches (GROUP_BOUND_SCHOOL_ROLES).
            memberships = policy.teachers_of(memberships, child, timezone.localdate())
        else:
            memberships = memberships.filter(serving_q(child.home_municipality_id))
        found += list(memberships.select_related("user", "organisation").distinct())
    return found


def decider_membership(actor: User, level: EscalationLevel | None, thuiszitter: Thuiszitter) -> Membership | None:
    """The actor's membership that decides at ``level`` for this thuiszitter, or None. Raises nothing."""
    if level is None:
        return None
    mine = {m.pk for m in actor.roles()}
    return next((m for m in deciders(level, thuiszitter) if m.pk in mine), None)


def _decision(actor: User | None, child: Child, action: str, membership: Membership | None = None) -> Decision:
    """The ground for logging a change of the register (absence): the system (the worker) acts on the ladder's own
    rule; a user on a ground of their own that lets them change absence (leerplicht's legal task, a decider's
    escalation ground); otherwise, when the service found the user acting as a registering role or a decider of a
    level (`membership`), on the ladder's rule in that role (rules.SYSTEM_RULES["escalation_ladder"]): the school's
    support roles only read absence on their school ground, so that ground never carries a change row."""
    if actor is None:
        return policy.system_decision("escalation_ladder", action, ABSENCE)
    bases = policy.bases_for(actor, child)
    found = policy.decide_with(bases, action, ABSENCE)
    if found.allowed:
        return found
    if membership is not None and policy.decide_with(bases, Action.READ, ABSENCE).allowed:
        return policy.system_decision("escalation_ladder", action, ABSENCE, membership=membership)
    raise PermissionDenied


def _log(
    actor: User | None,
    thuiszitter: Thuiszitter,
    action: str,
    object_type: str,
    object_id: object,
    membership: Membership | None = None,
) -> None:
    log.log_change(
        actor,
        _decision(actor, thuiszitter.child, action, membership),
        thuiszitter.child_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
    )


def _notify_level(thuiszitter: Thuiszitter, level: EscalationLevel, title: str, key: str) -> None:
    notify(
        [m.user for m in deciders(level, thuiszitter)],
        title=title,
        url=reverse("thuiszitters:detail", args=[thuiszitter.child_id, thuiszitter.pk]),
        key=key,
    )


# --- Registering ------------------------------------------------------------------------------------------


def register(
    actor: User | None,
    child: Child,
    *,
    kind: str,
    reason: str,
    started_on: date,
    authorised: bool = False,
    case: Any = None,
    signal: ThresholdSignal | None = None,
    today: date | None = None,
) -> Thuiszitter:
    """Put a child in the register and on the first rung of the ladder (deadline in working days).

    Raises PermissionDenied when the actor has no registering role or may not read the child's absence;
    ValidationError with the keys kind (unknown; relative without a school), reason, started_on (in the future),
    without a key when no ladder is configured, and the non-field refusal of code ``already_registered``
    (``"__all__"``; views answer 409) for a second open period."""
    today = today or timezone.localdate()
    if actor is not None and (
        not tasks.may(actor, "register_thuiszitter", child)
        or not policy.decide(actor, child, Action.READ, ABSENCE).allowed
    ):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if kind not in ThuiszitterKind.values:
        errors["kind"] = _("Choose relative or absolute.")
    if reason not in Reason.values:
        errors["reason"] = _("Choose a reason.")
    if started_on > today:
        errors["started_on"] = _("The date lies in the future.")
    if kind == ThuiszitterKind.RELATIVE and child.school_id is None:
        errors["kind"] = _("A child without a school is an absolute thuiszitter.")
    if Thuiszitter.objects.filter(child=child, ended_on__isnull=True).exists():
        raise _already_registered()
    if errors:
        raise ValidationError(errors)
    if case is None:  # link the period to the child's case and plan, when there is one
        case = Case.objects.filter(child=child).order_by("-registered_at").first()
    levels = ladder_for(child)
    if not levels:
        raise ValidationError(_("No escalation ladder is configured for this municipality."))
    try:
        with transaction.atomic():
            # Two registrations at the same moment: the child's row is locked, the second finds the first.
            lock_row(child)
            if Thuiszitter.objects.filter(child=child, ended_on__isnull=True).exists():
                raise _already_registered()
            thuiszitter = _create_period(
                actor, child, kind, reason, started_on, authorised, case, signal, _registering_membership(actor, child)
            )
            _enter(
                thuiszitter,
                levels[0],
                today,
                actor=actor,
                reason=_("Registered as thuiszitter."),
                automatic=actor is None,
            )
    except IntegrityError:  # the database's one-open-period constraint, should a writer slip past the lock
        raise _already_registered() from None
    return thuiszitter


ALREADY_REGISTERED = "already_registered"


def _already_registered() -> ValidationError:
    """The refusal of a second open period for one child (code ``already_registered``: views answer 409)."""
    return ValidationError(
        {"__all__": ValidationError(_("This child is already in the register."), code=ALREADY_REGISTERED)}
    )


def _create_period(
    actor: User | None,
    child: Child,
    kind: str,
    reason: str,
    started_on: date,
    authorised: bool,
    case: Any,
    signal: ThresholdSignal | None,
    membership: Membership | None = None,
) -> Thuiszitter:
    """Insert the period and its access-log row (inside register's transaction)."""
    thuiszitter = Thuiszitter.objects.create(
        child=child,
        kind=kind,
        reason=reason,
        started_on=started_on,
        authorised=authorised,
        school_id=child.school_id if kind == ThuiszitterKind.RELATIVE else None,
        case=case,
        signal=signal,
        registered_by=actor,
    )
    _log(actor, thuiszitter, Action.CREATE, "thuiszitter", thuiszitter.pk, membership)
    return thuiszitter


def _registering_membership(actor: User | None, child: Child) -> Membership | None:
    """The registering role the user acts in: the one at the child's school first, else any."""
    if actor is None:
        return None
    mine = [m for m in actor.roles() if tasks.held_by(m, "register_thuiszitter")]
    return next((m for m in mine if m.organisation_id == child.school_id), mine[0] if mine else None)


def register_from_signals(signals: Iterable[ThresholdSignal], today: date | None = None) -> list[Thuiszitter]:
    """A protocol that registers thuiszitters (relative absence over four weeks) puts the child in the register.

    A child already registered is skipped. Raises ValidationError without a key (from register) when no ladder is
    configured for the child's municipality."""
    created = []
    for signal in signals:
        if not signal.protocol.registers_thuiszitter:
            continue
        if Thuiszitter.objects.filter(child_id=signal.child_id, ended_on__isnull=True).exists():
            continue
        child = Child.objects.get(pk=signal.child_id)
        created.append(
            register(
                None,
                child,
                kind=ThuiszitterKind.RELATIVE if child.school_id else ThuiszitterKind.ABSOLUTE,
                reason=Reason.OTHER,
                started_on=signal.period_start,
                authorised=bool(getattr(signal, "authorised", False)),
                signal=signal,
                today=today,
            )
        )
    return created


def _enter(
    thuiszitter: Thuiszitter,
    level: EscalationLevel,
    entered_on: date,
    *,
    actor: User | None,
    reason: str,
    automatic: bool,
) -> EscalationStep:
    deadline = add_working_days(entered_on, level.deadline_working_days)
    step = EscalationStep.objects.create(
        thuiszitter=thuiszitter, level=level, deadline=deadline, automatic=automatic, reason=reason, by=actor
    )
    thuiszitter.level, thuiszitter.deadline, thuiszitter.decided, thuiszitter.reminded_on = level, deadline, False, None
    thuiszitter.save(update_fields=["level", "deadline", "decided", "reminded_on"])
    _notify_level(
        thuiszitter,
        level,
        _("A thuiszitter is waiting for your decision (%(level)s) before %(deadline)s")
        % {"level": level.name, "deadline": deadline.strftime("%d-%m-%Y")},
        key=f"escalation-step:{step.pk}",
    )
    return step


# --- The ladder -------------------------------------------------------------------------------------------


def _next_level(thuiszitter: Thuiszitter) -> EscalationLevel | None:
    levels = ladder_for(thuiszitter.child)
    current = thuiszitter.level.rank if thuiszitter.level else 0
    return next((lv for lv in levels if lv.rank > current), None)


def at_top(thuiszitter: Thuiszitter) -> bool:
    """Whether the case sits at the highest rung of its ladder: there is nowhere to escalate to.

    Raises nothing."""
    return _next_level(thuiszitter) is None


def escalate(actor: User, thuiszitter: Thuiszitter, reason: str, today: date | None = None) -> EscalationStep:
    """A decider of the current level hands the case up (e.g. the school finds no youth care).

    Raises PermissionDenied when the actor decides at no level reached so far; ValidationError with the key reason
    (empty), or without a key when the period has ended or the case is at the top rung."""
    today = today or timezone.localdate()
    if thuiszitter.ended_on is not None:
        raise ValidationError(_("This child is back at school; the ladder has ended."))
    membership = decider_membership(actor, thuiszitter.level, thuiszitter)
    if membership is None:
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case goes up.")})
    level = _next_level(thuiszitter)
    if level is None:
        raise ValidationError(_("This is the highest level of the ladder."))
    with transaction.atomic():
        _log(actor, thuiszitter, Action.UPDATE, "escalation", thuiszitter.pk, membership)
        return _enter(thuiszitter, level, today, actor=actor, reason=reason.strip(), automatic=False)


def escalate_due(today: date | None = None) -> list[EscalationStep]:
    """The worker's daily pass: every open case whose level let its deadline pass without a decision moves up,
    one level per passed deadline; the top level's deciders are reminded instead. Deciders are reminded a few
    working days before a deadline.

    Raises nothing; run by the worker."""
    today = today or timezone.localdate()
    steps: list[EscalationStep] = []
    overdue = Thuiszitter.objects.filter(ended_on__isnull=True, decided=False, deadline__lt=today)
    for thuiszitter in overdue.select_related("child", "level"):
        with transaction.atomic():
            while not thuiszitter.decided and thuiszitter.deadline and thuiszitter.deadline < today:
                level = _next_level(thuiszitter)
                passed = thuiszitter.deadline
                if level is None:
                    _notify_level(
                        thuiszitter,
                        thuiszitter.level,  # type: ignore[arg-type]
                        _("Deadline passed: a thuiszitter still waits for a decision at the highest level"),
                        key=f"escalation-overdue:{thuiszitter.pk}:{passed.isoformat()}",
                    )
                    break
                reason = _("The deadline of %(date)s passed without a decision.") % {
                    "date": passed.strftime("%d-%m-%Y")
                }
                _log(None, thuiszitter, Action.UPDATE, "escalation", thuiszitter.pk)
                steps.append(
                    _enter(thuiszitter, level, passed + timedelta(days=1), actor=None, reason=reason, automatic=True)
                )
    soon = add_working_days(today, settings.ESCALATION_REMINDER_WORKING_DAYS)
    upcoming = Thuiszitter.objects.filter(
        ended_on__isnull=True, decided=False, deadline__gte=today, deadline__lte=soon, reminded_on__isnull=True
    )
    for thuiszitter in upcoming.select_related("child", "level"):
        _notify_level(
            thuiszitter,
            thuiszitter.level,  # type: ignore[arg-type]
            _("Reminder: decide on a thuiszitter before %(deadline)s")
            % {"deadline": thuiszitter.deadline.strftime("%d-%m-%Y")},  # type: ignore[union-attr]
            key=f"escalation-reminder:{thuiszitter.pk}:{thuiszitter.deadline}",
        )
        Thuiszitter.objects.filter(pk=thuiszitter.pk).update(reminded_on=today)
    return steps


def decide(actor: User, thuiszitter: Thuiszitter, *, outcome: str, decision: str) -> EscalationDecision:
    """A decider of the current level records the decision; the deadline clock stops.

    Raises PermissionDenied when the actor is no decider of the current level; ValidationError with the keys
    decision (empty) and outcome (unknown), or without a key when the period has ended."""
    if thuiszitter.ended_on is not None:
        raise ValidationError(_("This child is back at school; the ladder has ended."))
    membership = decider_membership(actor, thuiszitter.level, thuiszitter)
    if membership is None:
        raise PermissionDenied
    errors = {}
    if not decision.strip():
        errors["decision"] = _("Write down the decision.")
    from .models import Outcome

    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose an outcome.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        found = EscalationDecision.objects.create(
            thuiszitter=thuiszitter,
            level=membership_level(thuiszitter),
            outcome=outcome,
            decision=decision.strip(),
            decided_by=actor,
            organisation_name=membership.organisation.name,
        )
        thuiszitter.decided = True
        thuiszitter.save(update_fields=["decided"])
        _log(actor, thuiszitter, Action.UPDATE, "escalation_decision", found.pk, membership)
    return found


def membership_level(thuiszitter: Thuiszitter) -> EscalationLevel:
    """The current rung of the thuiszitter's ladder. Raises ValidationError without a key when it is on none."""
    if thuiszitter.level is None:
        raise ValidationError(_("This child is not on the ladder."))
    return thuiszitter.level


def may_act(actor: User, thuiszitter: Thuiszitter) -> bool:
    """Leerplicht (legal task), the school's support staff and the deciders of every level reached so far.

    Raises nothing."""
    if policy.decide(actor, thuiszitter.child, Action.UPDATE, ABSENCE).allowed:
        return True
    return _reached_membership(actor, thuiszitter) is not None


def _reached_membership(actor: User, thuiszitter: Thuiszitter) -> Membership | None:
    """The user's membership that decides at some level the case has reached, if any."""
    mine = {m.pk for m in actor.roles()}
    for step in thuiszitter.steps.select_related("level"):
        found = next((m for m in deciders(step.level, thuiszitter) if m.pk in mine), None)
        if found is not None:
            return found
    return None


def record_interim(
    actor: User,
    thuiszitter: Thuiszitter,
    *,
    description: str,
    provided_by: str,
    starts_on: date,
    payment_pending_between: str,
    today: date | None = None,
) -> InterimArrangement:
    """Help starts now; who pays is settled afterwards between the named parties. Refused once the period ended
    (the page offers the form only while it is open).

    Raises PermissionDenied when the actor may not act (may_act); ValidationError with the keys description,
    provided_by, payment_pending_between (empty), starts_on (before the child was at home, or more than a year
    away), or without a key when the period has ended."""
    today = today or timezone.localdate()
    if not may_act(actor, thuiszitter):
        raise PermissionDenied
    if thuiszitter.ended_on is not None:
        raise ValidationError(_("This child is back at school; the ladder has ended."))
    errors = {}
    if not description.strip():
        errors["description"] = _("Say what help starts.")
    if not provided_by.strip():
        errors["provided_by"] = _("Say who provides it.")
    if not payment_pending_between.strip():
        errors["payment_pending_between"] = _("Say between which parties the payment is settled.")
    if starts_on < thuiszitter.started_on:
        errors["starts_on"] = _("The arrangement cannot start before the child was at home.")
    if starts_on > today + timedelta(days=365):
        errors["starts_on"] = _("Give a start date within a year.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        found = InterimArrangement.objects.create(
            thuiszitter=thuiszitter,
            description=description.strip(),
            provided_by=provided_by.strip(),
            starts_on=starts_on,
            payment_pending_between=payment_pending_between.strip(),
            recorded_by=actor,
        )
        _log(
            actor, thuiszitter, Action.CREATE, "interim_arrangement", found.pk, _reached_membership(actor, thuiszitter)
        )
    return found


def record_visit(
    actor: User, thuiszitter: Thuiszitter, *, visited_on: date, note: str, today: date | None = None
) -> LeerplichtVisit:
    """Leerplicht records a home visit. Raises PermissionDenied without the leerplicht role or when the policy does
    not allow updating the child's absence; ValidationError with the key visited_on (in the future, or before the
    child was at home)."""
    today = today or timezone.localdate()
    if (
        not tasks.may(actor, "record_visit", thuiszitter.child)
        or not policy.decide(actor, thuiszitter.child, Action.UPDATE, ABSENCE).allowed
    ):
        raise PermissionDenied
    if visited_on > today:
        raise ValidationError({"visited_on": _("The date lies in the future.")})
    if visited_on < thuiszitter.started_on:
        raise ValidationError({"visited_on": _("The visit cannot be before the child was at home.")})
    with transaction.atomic():
        visit = LeerplichtVisit.objects.create(
            thuiszitter=thuiszitter, visited_on=visited_on, note=note.strip(), officer=actor
        )
        _log(actor, thuiszitter, Action.CREATE, "leerplicht_visit", visit.pk)
    return visit


def end(actor: User, thuiszitter: Thuiszitter, *, ended_on: date, note: str, today: date | None = None) -> Thuiszitter:
    """The child is back at school (or in education elsewhere): the period ends and the ladder stops.

    Raises PermissionDenied when the actor may not act (may_act); ValidationError with the key ended_on (in the
    future, or before the start), or without a key when the period has already ended."""
    today = today or timezone.localdate()
    if not may_act(actor, thuiszitter):
        raise PermissionDenied
    if thuiszitter.ended_on is not None:
        raise ValidationError(_("This period has already ended."))
    if ended_on > today:
        raise ValidationError({"ended_on": _("The date lies in the future.")})
    if ended_on < thuiszitter.started_on:
        raise ValidationError({"ended_on": _("The end lies before the start.")})
    with transaction.atomic():
        thuiszitter.ended_on, thuiszitter.end_note = ended_on, note.strip()
        thuiszitter.save(update_fields=["ended_on", "end_note"])
        _log(actor, thuiszitter, Action.UPDATE, "thuiszitter", thuiszitter.pk, _reached_membership(actor, thuiszitter))
    return thuiszitter


def visited_this_year(thuiszitter: Thuiszitter, today: date | None = None) -> bool:
    """Whether leerplicht visited the child in the 365 days before ``today``. Raises nothing."""
    today = today or timezone.localdate()
    return thuiszitter.visits.filter(visited_on__gt=today - timedelta(days=365)).exists()


def evaluate_and_register(
    today: date | None = None, *, school_ids: Iterable[int] | None = None
) -> list[ThresholdSignal]:
    """Apply the absence protocols, then register the thuiszitters that the new signals point to.

    Raises nothing; run by the worker."""
    signals = evaluate(today, school_ids=school_ids)
    register_from_signals(signals, today)
    return signals
