"""Warm transfer: the only place that changes transfers (issue 16, part 4; docs/transfers.md).

The ib'er or zorgcoördinator of the child's school offers the plan, the involved professionals and the open help to
the next school (`offer_transfer`). The family consents (purpose TRANSFER naming the receiving school): recorded by
a professional on the consent pages, or given in the portal (`consent_in_portal`). While the transfer is offered and
that consent is in force, the receiving school's ib'er/zorgcoördinator reads (transfers.grounds); opening the
transfer records its receipt (`record_receipt`); then it accepts (`accept_transfer`) or declines
(`decline_transfer`, a reason required), each on the version it read (409 otherwise).

On acceptance, in one transaction: the child's school becomes the new school (group cleared, `left_school_on`
cleared: the child did not leave school, it moved; the old school's roster import no longer sees the child as its
pupil, and a row of the old school that still names it is refused as "at another school": roster.services),
open cases move to the new school's support team, the old school's own seats in the support team end, help that
continues keeps its grant on the family's consent and all other help ends with `moves_on`, and the previous school
keeps reading until `previous_access_until` (transfers.grounds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom import rollups
from rondom.access import log, policy
from rondom.access.models import AccessGrant, TeamMembership
from rondom.accounts.models import Membership, Organisation
from rondom.cases import workflow
from rondom.cases.models import Case, HelpRequest
from rondom.cases.services import support_team_for
from rondom.consent import rules as consent_rules
from rondom.consent.models import Capacity, Consent, ConsentGiver, Purpose
from rondom.core.access_types import Decision
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Conflict, Refused
from rondom.core.grounds import Ground
from rondom.core.roles import OrganisationKind
from rondom.core.schoolyear import SchoolYear
from rondom.idempotency import lock_row
from rondom.registry.models import Child

from .grounds import TRANSFER_ROLES
from .models import Transfer, TransferKind, TransferredHelp, TransferredProfessional, TransferState

if TYPE_CHECKING:
    from rondom.accounts.models import User

SUPPORT = DataCategory.SUPPORT
#: What the family's consent shares with the receiving school (rules.TRANSFER_RECEIVING_RULES reads these two).
TRANSFER_CATEGORIES = [DataCategory.IDENTITY, DataCategory.SUPPORT]
#: A transfer is offered for a move that is planned: at most two years ahead (a typing error like 9999 is refused
#: instead of failing on a school year that cannot exist; review of issue 16).
MOVES_ON_MAX_DAYS = 731


def _sending_decision(actor: User, child: Child) -> Decision:
    """The actor's right to offer: changing the support record on the school-role ground as intern begeleider or
    zorgcoördinator of the child's current school. Raises Http404 outside scope, Refused otherwise."""
    decision = policy.require(actor, child, Action.UPDATE, SUPPORT)
    basis = decision.basis
    if (
        basis is None
        or basis.ground != Ground.SCHOOL_ROLE
        or basis.membership is None
        or basis.membership.role not in TRANSFER_ROLES
    ):
        raise Refused(_("Only the intern begeleider or zorgcoördinator of the child's school offers a transfer."))
    return decision


def involved_professionals(child: Child, today: date) -> QuerySet[Membership]:
    """The professionals now involved with the child: open seats in its support team and grants in force."""
    now = timezone.make_aware(datetime.combine(today, time(12)))
    seats = TeamMembership.objects.filter(child=child, ended_at__isnull=True).values("membership_id")
    grants = AccessGrant.objects.filter(
        child=child, revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now
    ).values("grantee_id")
    return (
        Membership.objects.filter(Q(pk__in=seats) | Q(pk__in=grants))
        .select_related("user", "organisation")
        .order_by("organisation__name", "pk")
    )


def open_help(child: Child) -> QuerySet[HelpRequest]:
    """The child's open help: requests for help not closed, on any case of the child."""
    return HelpRequest.objects.filter(case__child=child, closed_at__isnull=True).select_related("provider", "contact")


def find_school(text: str) -> Organisation | None:
    """The school named by `text`: its BRIN (4 characters, with or without the vestiging) or its exact name
    (case-insensitive). None when no single school fits."""
    text = (text or "").strip()
    if not text:
        return None
    schools = Organisation.objects.filter(kind=OrganisationKind.SCHOOL)
    compact = text.replace(" ", "").upper()
    by_brin = schools.none()
    if len(compact) == 4:
        by_brin = schools.filter(brin=compact)
    elif len(compact) == 6:
        by_brin = schools.filter(brin=compact[:4], vestiging=compact[4:])
    found = list(by_brin[:2]) or list(schools.filter(name__iexact=text)[:2])
    return found[0] if len(found) == 1 else None


def offer_transfer(
    actor: User,
    child: Child,
    *,
    to_school: Organisation | None,
    kind: str,
    moves_on: date | None,
    previous_access_until: date | None,
    message: str = "",
    help_ids: list[int] | None = None,
    professional_ids: list[int] | None = None,
    today: date,
) -> Transfer:
    """Offer the child's plan, involved professionals (`professional_ids`: memberships of open support-team seats or
    grants in force) and open help (`help_ids`: open cases.HelpRequest of the child) to `to_school`.

    Rules: the actor is the ib'er/zorgcoördinator of the child's current school (Refused otherwise; Http404 outside
    scope); `to_school` exists, is a school and is not the child's school; `moves_on` is today or later, at most
    MOVES_ON_MAX_DAYS ahead;
    `previous_access_until` lies between `moves_on` and the last day of the school year of `moves_on` (the previous
    school reads for a set time, at the latest to the end of the school year: rules.TRANSFER_PREVIOUS_RULES);
    one open transfer per child. Raises ValidationError naming the field (to_school, kind, moves_on,
    previous_access_until, help, professionals, child); nothing changes then. A consent for purpose TRANSFER naming
    `to_school` already in force is linked at once."""
    help_ids = sorted({int(i) for i in help_ids or []})
    professional_ids = sorted({int(i) for i in professional_ids or []})
    errors: dict[str, str] = {}
    if to_school is None:
        errors["to_school"] = _("No school with this name or BRIN number exists.")
    elif to_school.kind != OrganisationKind.SCHOOL:
        errors["to_school"] = _("A transfer goes to a school; this organisation is not a school.")
    elif to_school.pk == child.school_id:
        errors["to_school"] = _("The child already attends this school: choose the next school.")
    if kind not in TransferKind.values:
        errors["kind"] = _("Choose the kind of transfer.")
    if moves_on is None:
        errors["moves_on"] = _("Give the first day at the new school.")
    elif moves_on < today:
        errors["moves_on"] = _("The first day at the new school cannot lie in the past.")
    elif moves_on > today + timedelta(days=MOVES_ON_MAX_DAYS):
        errors["moves_on"] = _("The first day at the new school lies too far ahead: at most two years from today.")
        moves_on = None  # no school year to check the previous school's end against (and none past year 9999)
    if previous_access_until is None:
        errors["previous_access_until"] = _("Give the day until which your school still reads the record.")
    elif moves_on is not None and not moves_on <= previous_access_until <= SchoolYear.of(moves_on).last_day:
        errors["previous_access_until"] = _(
            "Choose a day from the first day at the new school up to the end of that school year (%(last)s)."
        ) % {"last": SchoolYear.of(moves_on).last_day.strftime("%d-%m-%Y")}
    if child.school_id is None:
        errors["child"] = _("The child is at no school now: there is nothing to transfer from.")
    if errors:
        raise ValidationError(errors)
    assert to_school is not None and moves_on is not None and previous_access_until is not None
    with transaction.atomic():
        decision = _sending_decision(actor, child)
        lock_row(child)
        helps = list(open_help(child).filter(pk__in=help_ids))
        if len(helps) != len(help_ids):
            raise ValidationError({"help": _("Only open help for this child can be offered.")})
        people = list(involved_professionals(child, today).filter(pk__in=professional_ids))
        if len(people) != len(professional_ids):
            raise ValidationError({"professionals": _("Only professionals involved with this child can be offered.")})
        if Transfer.objects.filter(child=child, state=TransferState.OFFERED).exists():
            raise ValidationError({"child": _("This child already has an open transfer: withdraw it first.")})
        consent = Consent.objects.fitting(child, Purpose.TRANSFER, to_school, on=today).first()
        transfer = Transfer.objects.create(
            child=child,
            from_school_id=int(child.school_id or 0),
            to_school=to_school,
            kind=kind,
            moves_on=moves_on,
            previous_access_until=previous_access_until,
            message=message.strip(),
            consent=consent,
            offered_by=actor,
        )
        TransferredHelp.objects.bulk_create([TransferredHelp(transfer=transfer, help_request=h) for h in helps])
        TransferredProfessional.objects.bulk_create(
            [TransferredProfessional(transfer=transfer, membership=m) for m in people]
        )
        log.log_change(  # logs: create
            actor,
            decision,
            child,
            action=Action.CREATE,
            object_type="transfer",
            object_id=transfer.pk,
        )
    return transfer


def withdraw_transfer(actor: User, transfer: Transfer, *, version: int, today: date | None = None) -> Transfer:
    """The sending school withdraws an offered transfer (e.g. to offer it to another school); the family's consent
    for it is spent with it (`spent_consents`; `today`: the caller's date, default the local date). Raises Conflict
    on a stale version, ValidationError(state) when it is no longer offered, Refused/Http404 as `offer_transfer`."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().select_related("child").get(pk=transfer.pk)
        decision = _sending_decision(actor, transfer.child)
        if transfer.state == TransferState.WITHDRAWN:
            return transfer
        if transfer.version != version:
            raise Conflict(transfer.version)
        if transfer.state != TransferState.OFFERED:
            raise ValidationError({"state": _("This transfer has been decided already.")})
        transfer.consent = transfer.consent or consent_in_force(transfer, today or timezone.localdate())
        transfer.state, transfer.version = TransferState.WITHDRAWN, transfer.version + 1
        transfer.save(update_fields=["state", "consent", "version"])
        log.log_change(  # logs: update
            actor,
            decision,
            transfer.child,
            action=Action.UPDATE,
            object_type="transfer",
            object_id=transfer.pk,
        )
    return transfer


def consent_in_force(transfer: Transfer, today: date) -> Consent | None:
    """The family's consent for this transfer (purpose TRANSFER, naming the receiving school) in force on `today`,
    and not spent on an earlier transfer that was declined or withdrawn (`spent_consents`)."""
    return (
        Consent.objects.fitting(transfer.child_id, Purpose.TRANSFER, transfer.to_school_id, on=today)
        .exclude(pk__in=spent_consents())
        .order_by("-pk")
        .first()
    )


def spent_consents() -> QuerySet[Transfer, Any]:
    """The consents (as a subquery of ids) that belonged to a transfer that was declined or withdrawn: a consent to
    share with the next school is given for one transfer, so a later offer to the same school asks the family again
    (review of issue 16). `decline_transfer` and `withdraw_transfer` record the consent they end with."""
    return Transfer.objects.filter(
        state__in=[TransferState.DECLINED, TransferState.WITHDRAWN], consent__isnull=False
    ).values("consent_id")


# --- The family ----------------------------------------------------------------------------------------------


def family_may_consent_alone(child: Child, capacity: str, today: date) -> bool:
    """Whether one person's consent is enough (consent.rules): from 16 the youth alone
    (access.rules.YOUTH_DECIDES_ALONE_AGE); under 12 a parent who is the only parent with authority. Otherwise
    (12-15: youth and parents together; joint authority) the school records the consent of everyone needed."""
    rule = consent_rules.rule_for_age(child.age_on(today))
    if capacity == Capacity.YOUTH:
        return not rule.parents_needed
    return not rule.youth_needed and child.guardianships.filter(has_authority=True).count() == 1


def consent_in_portal(user: User, found: object, transfer: Transfer, *, today: date) -> Consent:
    """The family consents from the portal to sharing the record (basic details and support at school) with the
    receiving school. `found` is portal.services.opened's FamilyChild (the family ground). Raises ValidationError
    (consent) when this person cannot decide alone (then the school records the consent of everyone needed) or the
    transfer is no longer offered; a second click gives the consent already in force."""
    child: Child = found.child  # type: ignore[attr-defined]
    capacity: str = found.capacity  # type: ignore[attr-defined]
    if transfer.child_id != child.pk:
        from django.http import Http404

        raise Http404
    if transfer.state != TransferState.OFFERED:
        raise ValidationError({"consent": _("This transfer is no longer waiting for your consent.")})
    if not family_may_consent_alone(child, capacity, today):
        raise ValidationError(
            {"consent": _("Everyone who decides must agree together: the school records your consent with you.")}
        )
    with transaction.atomic():
        lock_row(child)
        existing = consent_in_force(transfer, today)
        if existing is not None:
            return existing
        consent = Consent.objects.create(
            child=child,
            purpose=Purpose.TRANSFER,
            categories=TRANSFER_CATEGORIES,
            recipient_id=transfer.to_school_id,
            valid_from=today,
            recorded_by=user,
        )
        guardianship = child.guardianships.filter(user=user, has_authority=True).first()
        ConsentGiver.objects.create(
            consent=consent,
            capacity=capacity,
            guardianship=guardianship if capacity == Capacity.PARENT else None,
        )
        Transfer.objects.filter(pk=transfer.pk).update(consent=consent)
        log.log_change(  # logs: create
            user,
            found.decision,  # type: ignore[attr-defined]
            child,
            action=Action.CREATE,
            category=SUPPORT,
            rule="family_portal",
            object_type="consent",
            object_id=consent.pk,
        )
    return consent


# --- The receiving school ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    transfer: Transfer
    decision: Decision


def incoming(actor: User, *, today: date) -> list[Incoming]:
    """The transfers offered to the schools where the actor is ib'er/zorgcoördinator and whose family consent is in
    force (only those are readable: transfers.grounds), oldest first, each with the policy's decision to read it."""
    schools = {m.organisation_id for m in actor.roles() if m.role in TRANSFER_ROLES}
    found = (
        Transfer.objects.filter(state=TransferState.OFFERED, to_school_id__in=schools)
        .select_related("child", "from_school", "to_school")
        .order_by("offered_at", "pk")
    )
    decisions = policy.decide_many(actor, [t.child for t in found], Action.READ, SUPPORT)
    return [Incoming(t, decisions[t.child_id]) for t in found if decisions[t.child_id].allowed]


def _receiving_decision(actor: User, transfer: Transfer, action: str) -> Decision:
    """The actor reads the child on the transfer's ground as ib'er/zorgcoördinator of the receiving school."""
    decision = policy.require(actor, transfer.child, Action.READ, SUPPORT)
    basis = decision.basis
    if (
        basis is None
        or basis.ground != Ground.TRANSFER
        or basis.membership is None
        or basis.membership.organisation_id != transfer.to_school_id
    ):
        raise Refused(_("Only the intern begeleider or zorgcoördinator of the receiving school decides."))
    return decision


def record_receipt(transfer: Transfer, *, now: datetime) -> Transfer:
    """The receiving school opened the transfer: its receipt (`received_at`), set once. The opening itself is a
    read, logged by the page that shows it (declared access)."""
    if transfer.received_at is None and transfer.state == TransferState.OFFERED:
        Transfer.objects.filter(pk=transfer.pk, received_at__isnull=True).update(received_at=now)
        transfer.received_at = now
    return transfer


def accept_transfer(actor: User, transfer: Transfer, *, version: int, today: date, now: datetime) -> Transfer:
    """The receiving school accepts, on the version it read. In one transaction: the child's school becomes
    `to_school` (group cleared, `left_school_on` cleared), open cases move to the new school's support team (closed
    cases stay with the old team: they are history), the old school's own seats in the support team end, help
    marked to continue keeps its grant when the family's consent for the transfer and the help's own consent are
    in force, and every other open help closes with its grant ending at the start of `moves_on`.

    A second accept by the same person answers with the accepted transfer (a double submit). Raises Conflict (409)
    when the version is stale or someone else decided; ValidationError(consent) when the family's consent is no
    longer in force; Refused/Http404 when the actor is not the receiving school's ib'er/zorgcoördinator."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().select_related("child").get(pk=transfer.pk)
        if transfer.state == TransferState.ACCEPTED and transfer.decided_by_id == actor.pk:
            return transfer
        if transfer.version != version or transfer.state != TransferState.OFFERED:
            raise Conflict(transfer.version)
        decision = _receiving_decision(actor, transfer, Action.UPDATE)
        consent = consent_in_force(transfer, today)
        if consent is None:
            raise ValidationError({"consent": _("The family's consent for this transfer is not in force.")})
        child = transfer.child
        lock_row(child)
        ends = timezone.make_aware(datetime.combine(transfer.moves_on, time.min))
        continuing = set(
            TransferredHelp.objects.filter(transfer=transfer, continues=True).values_list("help_request_id", flat=True)
        )
        for request in open_help(child).select_related("grant", "consent"):
            keep = request.pk in continuing and (request.consent is None or request.consent.is_active(today))
            if keep:
                continue
            if request.grant is not None and request.grant.revoked_at is None and request.grant.valid_until > ends:
                AccessGrant.objects.filter(pk=request.grant.pk).update(valid_until=max(ends, request.grant.valid_from))
            request.closed_at = now
            request.closed_reason = _("Ended with the move to another school.")
            request.save(update_fields=["closed_at", "closed_reason"])
        # The open cases and the child change school in bulk writes no save hook sees: the monitoring's months of
        # both schools are queued for a refresh (rondom.rollups), before here and after the child's update below.
        rollups.queue().mark_children_moved([child.pk], "transfer")
        Case.objects.filter(child=child, status__state__in=workflow.OPEN_STATES).update(
            team=support_team_for(transfer.to_school)
        )
        TeamMembership.objects.filter(
            child=child, ended_at__isnull=True, membership__organisation_id=transfer.from_school_id
        ).update(ended_at=now)
        Child.objects.filter(pk=child.pk).update(
            school_id=transfer.to_school_id,
            school_group=None,
            group="",
            left_school_on=None,
            version=child.version + 1,
            updated_at=now,
        )
        rollups.queue().mark_children_moved([child.pk], "transfer")
        transfer.state = TransferState.ACCEPTED
        transfer.consent = consent
        transfer.received_at = transfer.received_at or now
        transfer.decided_by, transfer.decided_at = actor, now
        transfer.version += 1
        transfer.save(update_fields=["state", "consent", "received_at", "decided_by", "decided_at", "version"])
        log.log_change(  # logs: update
            actor,
            decision,
            child,
            action=Action.UPDATE,
            object_type="transfer",
            object_id=transfer.pk,
            rule="decide_transfer",
        )
        log.log_change(  # logs: update
            actor,
            decision,
            child,
            action=Action.UPDATE,
            object_type="child",
            object_id=child.pk,
            rule="decide_transfer",
        )
    return transfer


def decline_transfer(actor: User, transfer: Transfer, *, reason: str, version: int, now: datetime) -> Transfer:
    """The receiving school declines, with its reason, on the version it read: everything stays at the old school,
    and the family's consent for this transfer is spent with it (`spent_consents`).
    Raises ValidationError(decline_reason) without a reason, Conflict (409) on a stale version or a transfer decided
    already, Refused/Http404 as `accept_transfer`."""
    if not (reason or "").strip():
        raise ValidationError({"decline_reason": _("Write down why your school declines.")})
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().select_related("child").get(pk=transfer.pk)
        if transfer.state == TransferState.DECLINED and transfer.decided_by_id == actor.pk:
            return transfer
        if transfer.version != version or transfer.state != TransferState.OFFERED:
            raise Conflict(transfer.version)
        decision = _receiving_decision(actor, transfer, Action.UPDATE)
        transfer.consent = transfer.consent or consent_in_force(transfer, timezone.localdate(now))
        transfer.state = TransferState.DECLINED
        transfer.decline_reason = reason.strip()
        transfer.received_at = transfer.received_at or now
        transfer.decided_by, transfer.decided_at = actor, now
        transfer.version += 1
        transfer.save(
            update_fields=["state", "consent", "decline_reason", "received_at", "decided_by", "decided_at", "version"]
        )
        log.log_change(  # logs: update
            actor,
            decision,
            transfer.child,
            action=Action.UPDATE,
            object_type="transfer",
            object_id=transfer.pk,
            rule="decide_transfer",
        )
    return transfer
