"""The samenwerkingsverband's work on a request: planning it on the weekly meeting, an expert's advice, the loket's
decision (with a beschikkingsnummer), and the start and end of an arrangement (issue 16; docs/swv-decisions.md).

Who may do what (task rights of access.tasks): the SWV's loket (decide_swv_requests) plans, decides and records
start and end; an expert (advise_swv_requests) advises, once per request. Both only at the SWV the request is made
to: anyone else gets NotInScope (404), as if the request did not exist. The rules of a decision are the tables of
rondom.swv.rules. Every change is versioned (rondom.versioning: Conflict, 409, on a stale version) and logged on the
SWV_REQUEST ground by the change rule `swv_decision` (access.rules.CHANGE_RULES), in the same transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import log, policy, tasks
from rondom.accounts.models import Membership, User
from rondom.core.access_types import Decision
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Invalid, NotInScope, Refused
from rondom.schoolcalendar.services import is_working_day
from rondom.versioning import save_versioned

from . import rules
from .models import Advice, Expertise, RequestKind, RequestState, SwvRequest, TlvCategory
from .numbers import next_number

S = RequestState
#: The task rights (access.tasks) of the SWV's loket and its experts.
DECIDE, ADVISE = "decide_swv_requests", "advise_swv_requests"


def memberships_at(actor: User, swv_id: int, task: str) -> list[Membership]:
    """The actor's memberships in force at the SWV `swv_id` that carry task right `task` (access.tasks)."""
    return [m for m in actor.roles() if m.organisation_id == swv_id and tasks.held_by(m, task)]


def _open(
    actor: User, request: SwvRequest, task: str, today: date, *, lock: bool = True
) -> tuple[SwvRequest, Membership, Decision]:
    """The request read again (locked), the actor's membership at its SWV in one of `roles`, and the policy's
    decision to read the child's support. NotInScope when the actor holds no role at that SWV or the policy does not
    reach the child (no consent, withdrawn, access ended); Refused when the actor is of that SWV but not in `roles`."""
    found = SwvRequest.objects.select_related("child")
    if lock:
        found = found.select_for_update()
    request = found.filter(pk=request.pk).first()  # type: ignore[assignment]
    if request is None:
        raise NotInScope()
    if not memberships_at(actor, request.swv_id, "work_swv_requests"):
        raise NotInScope()
    mine = memberships_at(actor, request.swv_id, task)
    if not mine:
        raise Refused(
            _("Only the loket of the samenwerkingsverband may do this.")
            if task == DECIDE
            else _("Only an expert of the samenwerkingsverband may advise.")
        )
    decision = policy.decide(actor, request.child, Action.READ, DataCategory.SUPPORT)
    if not decision.in_scope:
        raise NotInScope()
    if not decision.allowed:
        raise Refused()
    return request, mine[0], decision


def _log_change(
    actor: User, decision: Decision, object_type: str, object_id: object, child_id: int, action: str
) -> None:
    """The SWV's change on its reading ground (access.rules.CHANGE_RULES["swv_decision"])."""
    log.log_change(
        actor,
        decision,
        child_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        category=DataCategory.SUPPORT,
        rule="swv_decision",
    )


def _move(request: SwvRequest, to: str) -> None:
    if not rules.may_move(request.state, to):
        raise Invalid(
            {
                "state": _("This cannot be done with a request that is %(state)s.")
                % {"state": request.get_state_display().lower()}
            }
        )


def plan_on_meeting(actor: User, request: SwvRequest, meeting_on: date, version: int, *, today: date) -> SwvRequest:
    """The loket puts the request on the SWV's weekly meeting of `meeting_on` (a working day, not before `today`),
    or moves it to another meeting. The state becomes planned (it stays advised when advice was given).

    Raises NotInScope (not the actor's SWV, or the ground ended), Refused (not the loket), Invalid with the keys
    meeting_on (weekend or holiday, in the past) and state (decided or withdrawn), Conflict on a stale `version`."""
    with transaction.atomic():
        request, _m, decision = _open(actor, request, DECIDE, today)
        if meeting_on < today:
            raise Invalid({"meeting_on": _("The meeting cannot be in the past.")})
        if not is_working_day(meeting_on):
            raise Invalid({"meeting_on": _("The meeting must be on a working day (no weekend or public holiday).")})
        to = S.ADVISED if request.state == S.ADVISED else S.PLANNED
        _move(request, to)
        save_versioned(request, version, {"meeting_on": meeting_on, "state": to})
        _log_change(actor, decision, "swv_request", request.pk, request.child_id, Action.UPDATE)
    return request


def give_advice(
    actor: User, request: SwvRequest, expertise: str, recommends: bool, text: str, *, today: date
) -> Advice:
    """An expert of the SWV advises on an open request: their expertise, whether they recommend granting, and why.
    One advice per expert per request (a second answers Invalid, key request). The request becomes advised.

    Raises NotInScope (not the actor's SWV, or the ground ended), Refused (not an expert: the loket does not
    advise), Invalid with the keys expertise (unknown), text (empty) and state (decided or withdrawn)."""
    if expertise not in Expertise.values:
        raise Invalid({"expertise": _("Choose an expertise.")})
    if not text.strip():
        raise Invalid({"text": _("Write down the advice.")})
    with transaction.atomic():
        request, membership, decision = _open(actor, request, ADVISE, today)
        _move(request, S.ADVISED)
        # One advice per person: a second membership of the same expert (she left and came back) is not a
        # second expert (WPO art. 18a lid 6 asks two experts; review of issue 16).
        if Advice.objects.filter(request=request, expert__user_id=actor.pk).exists():
            raise Invalid({"request": _("You have already advised on this request.")})
        try:
            with transaction.atomic():
                advice = Advice.objects.create(
                    request=request, expert=membership, expertise=expertise, recommends=recommends, text=text.strip()
                )
        except IntegrityError:
            raise Invalid({"request": _("You have already advised on this request.")}) from None
        SwvRequest.objects.filter(pk=request.pk).update(state=S.ADVISED, version=F("version") + 1)
        _log_change(actor, decision, "swv_advice", advice.pk, request.child_id, Action.CREATE)
    return advice


def decide(
    actor: User,
    request: SwvRequest,
    *,
    granted: bool,
    reason: str,
    tlv_category: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    funding_granted: Decimal | None = None,
    late_reason: str = "",
    version: int,
    today: date,
    now: datetime | None = None,
) -> SwvRequest:
    """The loket grants or refuses the request, on `today`, with a beschikkingsnummer (rondom.swv.numbers).

    The rules (rondom.swv.rules): the advice the kind needs must be given (a TLV: two experts, one an orthopedagoog
    or psycholoog, WPO art. 18a lid 6); reasons are required; after `decide_by` a `late_reason` is required; a granted
    TLV needs a category and a validity (start and end, TLV_MIN_DAYS..TLV_MAX_DAYS), a granted arrangement a validity
    (at most ARRANGEMENT_MAX_DAYS) and gets `start_by` = `today` + settings.SWV_ARRANGEMENT_START_WEEKS weeks; other
    kinds take no category or validity. `access_until` (the SWV's ground, rondom.swv.grounds) becomes the end of the
    validity, or `today` + rules.ACCESS_AFTER_DECISION_DAYS.

    Raises NotInScope (not the actor's SWV, or the ground ended), Refused (an expert, not the loket), Invalid with
    the keys reason, late_reason, advice, tlv_category, valid_from, valid_until, funding_granted and state (already
    decided or withdrawn), Conflict on a stale `version`."""
    now = now or timezone.now()
    with transaction.atomic():
        request, _m, decision = _open(actor, request, DECIDE, today)
        _move(request, S.GRANTED if granted else S.REFUSED)
        errors: dict[str, str] = {}
        if not reason.strip():
            errors["reason"] = _("Give the reasons for the decision.")
        if today > request.decide_by and not late_reason.strip():
            errors["late_reason"] = _("The decision is late (due %(day)s): say why.") % {
                "day": request.decide_by.strftime("%d-%m-%Y")
            }
        missing = rules.advice_missing(request.kind, list(request.advices.values_list("expert__user_id", "expertise")))
        if missing:
            errors["advice"] = missing
        fields = _granted_fields(request, granted, tlv_category, valid_from, valid_until, funding_granted, errors)
        if errors:
            raise Invalid(errors)
        access_until = fields.get("valid_until") or today + timedelta(days=rules.ACCESS_AFTER_DECISION_DAYS)
        if granted and request.kind in rules.KINDS_THAT_START:
            fields["start_by"] = today + timedelta(weeks=settings.SWV_ARRANGEMENT_START_WEEKS)
        fields.update(
            state=S.GRANTED if granted else S.REFUSED,
            decision_reason=reason.strip(),
            late_reason=late_reason.strip() if today > request.decide_by else "",
            decided_at=now,
            decided_by=actor,
            access_until=access_until,
            beschikkingsnummer=next_number(request.swv_id, today.year),
        )
        save_versioned(request, version, fields)
        _log_change(actor, decision, "swv_request", request.pk, request.child_id, Action.UPDATE)
    return request


def _granted_fields(
    request: SwvRequest,
    granted: bool,
    tlv_category: str,
    valid_from: date | None,
    valid_until: date | None,
    funding_granted: Decimal | None,
    errors: dict[str, str],
) -> dict[str, object]:
    """The fields a grant sets (category, validity, funding), checked against rules; problems go into `errors`."""
    fields: dict[str, object] = {}
    if not granted:
        return fields
    kind = request.kind
    if kind == RequestKind.TLV:
        if tlv_category not in TlvCategory.values:
            errors["tlv_category"] = _("Choose the category of the declaration.")
        fields["tlv_category"] = tlv_category
    elif tlv_category:
        errors["tlv_category"] = _("Only a declaration for special education has a category.")
    if kind in rules.KINDS_WITH_VALIDITY:
        if valid_from is None:
            errors["valid_from"] = _("Give the first day it holds.")
        if valid_until is None:
            errors["valid_until"] = _("Give the last day it holds.")
        if valid_from is not None and valid_until is not None:
            days = (valid_until - valid_from).days
            low, high = (
                (rules.TLV_MIN_DAYS, rules.TLV_MAX_DAYS) if kind == RequestKind.TLV else (0, rules.ARRANGEMENT_MAX_DAYS)
            )
            if days < 0:
                errors["valid_until"] = _("The last day cannot be before the first day.")
            elif days < low:
                errors["valid_until"] = _("A declaration holds for at least one school year.")
            elif days > high:
                errors["valid_until"] = _("This holds for at most %(days)s days.") % {"days": high}
        fields["valid_from"], fields["valid_until"] = valid_from, valid_until
    elif valid_from or valid_until:
        errors["valid_until"] = _("This kind of request is not granted for a period.")
    if funding_granted is not None:
        if funding_granted < 0:
            errors["funding_granted"] = _("The amount cannot be negative.")
        fields["funding_granted"] = funding_granted
    return fields


def record_start(actor: User, request: SwvRequest, started_on: date, version: int, *, today: date) -> SwvRequest:
    """The loket records the day a granted arrangement started (not before its decision, not after `today`).
    Raises NotInScope, Refused (not the loket), Invalid with the keys state (not a granted arrangement, or started
    already) and started_on, Conflict on a stale `version`."""
    with transaction.atomic():
        request, _m, decision = _open(actor, request, DECIDE, today)
        if request.state != S.GRANTED or request.kind not in rules.KINDS_THAT_START or request.started_on:
            raise Invalid({"state": _("Only a granted arrangement that has not started yet can start.")})
        decided_on = timezone.localdate(request.decided_at) if request.decided_at else today
        if started_on > today or started_on < decided_on:
            raise Invalid({"started_on": _("The start must lie between the decision and today.")})
        save_versioned(request, version, {"started_on": started_on})
        _log_change(actor, decision, "swv_request", request.pk, request.child_id, Action.UPDATE)
    return request


def record_end(actor: User, request: SwvRequest, ended_on: date, version: int, *, today: date) -> SwvRequest:
    """The loket records the day a started arrangement ended (not before its start, not after `today`); the SWV's
    ground on the child ends that day (`access_until`). Raises NotInScope, Refused (not the loket), Invalid with the
    keys state (not started, or ended already) and ended_on, Conflict on a stale `version`."""
    with transaction.atomic():
        request, _m, decision = _open(actor, request, DECIDE, today)
        if request.started_on is None or request.ended_on is not None:
            raise Invalid({"state": _("Only an arrangement that has started and not ended can end.")})
        if ended_on > today or ended_on < request.started_on:
            raise Invalid({"ended_on": _("The end must lie between the start and today.")})
        access_until = min(d for d in (request.access_until, ended_on) if d is not None)
        save_versioned(request, version, {"ended_on": ended_on, "access_until": access_until})
        _log_change(actor, decision, "swv_request", request.pk, request.child_id, Action.UPDATE)
    return request
