"""Changing who may see a child's record: support team, erbij-halen grants, emergency access."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.accounts.models import Membership, User
from rondom.audit import services as audit
from rondom.consent.models import Consent, Purpose
from rondom.registry.models import Child

from . import emergency, policy, rules
from .categories import Action, DataCategory
from .models import AccessGrant, EmergencyAccess, TeamMembership

logger = logging.getLogger("rondom.access")


def add_team_member(
    actor: User, child: Child, membership: Membership, consent: Consent | None = None
) -> TeamMembership:
    """Add a professional to the child's support team. Members from outside the school need the family's
    consent for the support team, naming their organisation."""
    with transaction.atomic():
        decision = policy.require(actor, child, Action.UPDATE, DataCategory.SUPPORT)
        if membership.role not in rules.TEAM_ROLE_RULES:
            raise ValidationError({"membership": _("This role cannot be a member of a support team.")})
        external = membership.organisation_id != child.school_id
        if external:
            if consent is None:
                raise ValidationError({"consent": _("A member from outside the school needs the family's consent.")})
            if not consent.fits(child, Purpose.SUPPORT_TEAM, membership.organisation_id):
                raise ValidationError(
                    {"consent": _("The consent must be active, for the support team, naming this organisation.")}
                )
        team_member = TeamMembership.objects.create(
            child=child, membership=membership, consent=consent if external else None, added_by=actor
        )
        audit.record(actor, decision, child.pk, object_type="team_membership", object_id=team_member.pk)
    return team_member


def grant_access(
    actor: User, child: Child, grantee: Membership, consent: Consent, categories: list[str], valid_until: datetime
) -> AccessGrant:
    """Bring in a provider's named person (erbij halen) for a limited time, on the family's consent."""
    now = timezone.now()
    with transaction.atomic():
        decision = policy.require(actor, child, Action.UPDATE, DataCategory.SUPPORT)
        errors: dict[str, str] = {}
        if grantee.role not in rules.GRANT_ROLES:
            errors["grantee"] = _("This role cannot be brought in.")
        if not consent.fits(child, (Purpose.PROVIDER, Purpose.WIJKTEAM), grantee.organisation_id):
            errors["consent"] = _("The consent must be active and name the organisation of the person brought in.")
        elif not categories or not set(categories) <= set(consent.categories):
            errors["categories"] = _("Only parts of the record the family consented to can be shared.")
        if valid_until <= now:
            errors["valid_until"] = _("The end of the grant must lie in the future.")
        elif valid_until > now + timedelta(days=settings.ACCESS_GRANT_MAX_DAYS):
            errors["valid_until"] = _("A grant lasts at most %(days)d days; extend it later if the help goes on.") % {
                "days": settings.ACCESS_GRANT_MAX_DAYS
            }
        if errors:
            raise ValidationError(errors)
        grant = AccessGrant.objects.create(
            child=child,
            grantee=grantee,
            consent=consent,
            categories=sorted(set(categories)),
            valid_from=now,
            valid_until=valid_until,
            granted_by=actor,
        )
        audit.record(actor, decision, child.pk, object_type="access_grant", object_id=grant.pk)
    return grant


def start_emergency_access(
    actor: User, child: Child, membership: Membership, reason: str, *, now: datetime | None = None
) -> EmergencyAccess:
    """The emergency button: read access for EMERGENCY_ACCESS_HOURS with a written reason, flagged for review.

    Refused (nothing written, nothing logged) with PermissionDenied when the membership is not the actor's or its
    role has no button, or when the organisation could not plausibly serve the child (`emergency.plausible`);
    with ValidationError {"reason": ...} when the reason is not real words (`emergency.reason_errors`); with
    EmergencyLimitReached when the actor reached EMERGENCY_PER_HOUR or EMERGENCY_PER_DAY (counted from the
    emergency-access rows under a lock on the actor's row, so presses at the same moment never pass the cap).
    On success: one `create` log row with the reason, and a notification (no personal data) to the reviewers of
    the actor's organisation and the child's school's intern begeleider / zorgcoördinator. Source: issue 12,
    finding 2; docs/access-policy.md."""
    if membership.user_id != actor.pk or membership.role not in rules.EMERGENCY_ROLES:
        raise PermissionDenied
    problems = emergency.reason_errors(reason)
    if problems:
        raise ValidationError({"reason": problems})
    reason = reason.strip()
    if not emergency.plausible(membership, child):
        raise PermissionDenied(
            _(
                "The emergency button is only for children who live or go to school in a municipality your "
                "organisation serves."
            )
        )
    with transaction.atomic():
        # One press at a time per person: the count below and the insert after it cannot interleave.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        now = now or timezone.now()
        refused = emergency.limit_message(actor, now)
        if refused:
            raise emergency.EmergencyLimitReached(refused)
        access = EmergencyAccess.objects.create(
            child=child,
            membership=membership,
            reason=reason,
            expires_at=now + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
        )
        if access.started_at != now:  # auto_now_add; the window counts from the moment passed in
            EmergencyAccess.objects.filter(pk=access.pk).update(started_at=now)
            access.started_at = now
        basis = policy.Basis(
            rules.Ground.EMERGENCY, rules.EMERGENCY_PERMISSIONS, membership, ref=f"emergency:{access.pk}"
        )
        decision = policy.Decision(True, True, Action.CREATE, DataCategory.IDENTITY, basis, (basis,))
        audit.record(actor, decision, child.pk, object_type="emergency_access", object_id=access.pk, reason=reason)
        # Told right after the commit: a mail server that is down must not take the emergency access away.
        transaction.on_commit(lambda: _tell_about_emergency_safely(actor, access))
    return access


def _tell_about_emergency_safely(actor: User, access: EmergencyAccess) -> None:
    try:
        with transaction.atomic():
            _tell_about_emergency(actor, access)
    except Exception:
        # Logged without personal data (the id only); the use stays on the review list all the same.
        logger.exception("emergency access %s: the reviewers could not be notified", access.pk)


def _tell_about_emergency(actor: User, access: EmergencyAccess) -> None:
    """At once, in the app and by an e-mail without personal data: the reviewers of the actor's organisation (there
    is something to review) and the care staff of the child's school (the button was used for a pupil)."""
    from rondom.notifications.services import active_memberships, notify  # notifications builds on access

    key = f"emergency:{access.pk}"
    reviewers = active_memberships().filter(
        role__in=emergency.REVIEWER_ROLES, organisation_id=access.membership.organisation_id
    )
    notify(
        [m.user for m in reviewers.select_related("user") if m.user_id != actor.pk],
        title=_("The emergency button was used in your organisation: there is a use to review."),
        url=reverse("api-emergency-review-detail", args=[access.pk]),
        key=key,
    )
    school_id = access.child.school_id
    if school_id is not None:
        care = active_memberships().filter(role__in=emergency.SCHOOL_CARE_ROLES, organisation_id=school_id)
        notify(
            [m.user for m in care.select_related("user") if m.user_id != actor.pk],
            title=_("The emergency button was used for a pupil of your school."),
            url=reverse("registry:child-detail", args=[access.child_id]),
            key=key,
        )


def _review_decision(who: emergency.Reviewer, access: EmergencyAccess, action: str) -> policy.Decision:
    membership = who.membership_for(access)
    basis = policy.Basis(rules.Ground.REVIEW, {DataCategory.IDENTITY: "r"}, membership, ref=f"emergency:{access.pk}")
    return policy.Decision(True, True, action, DataCategory.IDENTITY, basis, (basis,))


def emergency_reviews(actor: User, *, pending_only: bool = True) -> list[EmergencyAccess]:
    """The emergency accesses the actor may review (own organisation as functioneel beheerder; all as privacy
    officer), oldest first. Every use shown (with its written reason) is logged: one `search` row per use, object
    `emergency_access`, ground `review`. Raises PermissionDenied for anyone else."""
    who = emergency.reviewer(actor)
    if not who.any:
        raise PermissionDenied
    found = who.queryset().order_by("started_at", "pk")
    if pending_only:
        found = found.filter(reviewed_at__isnull=True)
    shown = list(found)
    if shown:
        decisions = [_review_decision(who, a, Action.SEARCH) for a in shown]
        with transaction.atomic():
            audit.record_many(
                actor,
                decisions[0],
                [audit.LogItem(a.child_id, "emergency_access", str(a.pk)) for a in shown],
                decisions=decisions,
            )
    return shown


def emergency_review(actor: User, access_id: int) -> EmergencyAccess:
    """One emergency access for review, logged as a `read` (ground `review`). Http404 when it does not exist or
    belongs to another organisation (no one learns of another organisation's uses)."""
    who = emergency.reviewer(actor)
    if not who.any:
        raise PermissionDenied
    access = who.queryset().filter(pk=access_id).first()
    if access is None:
        raise Http404
    audit.record(
        actor,
        _review_decision(who, access, Action.READ),
        access.child_id,
        object_type="emergency_access",
        object_id=access.pk,
    )
    return access


def review_emergency_access(actor: User, access: EmergencyAccess, note: str) -> EmergencyAccess:
    """The functioneel beheerder of the user's own organisation (or the privacy officer) records the review of an
    emergency access, once; logged as `update` (ground `review`). PermissionDenied for anyone else (and for one's
    own use), ValidationError {"review_note": ...} when already reviewed or the note is empty."""
    who = emergency.reviewer(actor)
    if not who.may_review(access) or access.membership.user_id == actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        access = EmergencyAccess.objects.select_for_update().select_related("membership").get(pk=access.pk)
        if access.reviewed_at is not None:
            raise ValidationError({"review_note": _("This emergency access was already reviewed.")})
        if not note.strip():
            raise ValidationError({"review_note": _("Write down the outcome of the review.")})
        access.reviewed_at = timezone.now()
        access.reviewed_by = actor
        access.review_note = note.strip()
        access.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
        audit.record(
            actor,
            _review_decision(who, access, Action.UPDATE),
            access.child_id,
            object_type="emergency_access",
            object_id=access.pk,
        )
    return access
