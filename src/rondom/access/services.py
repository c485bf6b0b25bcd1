"""Changing who may see a child's record: support team, erbij-halen grants, emergency access."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.accounts.models import Membership, User
from rondom.accounts.roles import Role
from rondom.audit import services as audit
from rondom.consent.models import Consent, Purpose
from rondom.registry.models import Child

from . import policy, rules
from .categories import Action, DataCategory
from .models import AccessGrant, EmergencyAccess, TeamMembership


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
            if (
                consent.child_id != child.pk
                or consent.purpose != Purpose.SUPPORT_TEAM
                or consent.recipient_id != membership.organisation_id
                or not consent.is_active()
            ):
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
        if (
            consent.child_id != child.pk
            or consent.purpose not in (Purpose.PROVIDER, Purpose.WIJKTEAM)
            or consent.recipient_id != grantee.organisation_id
            or not consent.is_active()
        ):
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


def start_emergency_access(actor: User, child: Child, membership: Membership, reason: str) -> EmergencyAccess:
    """The emergency button: read access for a few hours with a written reason, flagged for review."""
    reason = reason.strip()
    if membership.user_id != actor.pk or membership.role not in rules.EMERGENCY_ROLES:
        raise PermissionDenied
    if len(reason) < settings.EMERGENCY_REASON_MIN_LENGTH:
        raise ValidationError(
            {
                "reason": _("Write down why this is an emergency (at least %(n)d characters).")
                % {"n": settings.EMERGENCY_REASON_MIN_LENGTH}
            }
        )
    with transaction.atomic():
        access = EmergencyAccess.objects.create(
            child=child,
            membership=membership,
            reason=reason,
            expires_at=timezone.now() + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
        )
        basis = policy.Basis(
            rules.Ground.EMERGENCY, rules.EMERGENCY_PERMISSIONS, membership, ref=f"emergency:{access.pk}"
        )
        decision = policy.Decision(True, True, Action.CREATE, DataCategory.IDENTITY, basis, (basis,))
        audit.record(actor, decision, child.pk, object_type="emergency_access", object_id=access.pk, reason=reason)
    return access


def review_emergency_access(actor: User, access: EmergencyAccess, note: str) -> EmergencyAccess:
    """A functioneel beheerder (or privacy officer) records the review of an emergency access."""
    if not actor.has_role(Role.FUNCTIONAL_ADMIN):
        raise PermissionDenied
    with transaction.atomic():
        access = EmergencyAccess.objects.select_for_update().get(pk=access.pk)
        if access.reviewed_at is not None:
            raise ValidationError({"review_note": _("This emergency access was already reviewed.")})
        if not note.strip():
            raise ValidationError({"review_note": _("Write down the outcome of the review.")})
        access.reviewed_at = timezone.now()
        access.reviewed_by = actor
        access.review_note = note.strip()
        access.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    return access
