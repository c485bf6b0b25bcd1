"""The facts the access policy reads besides roles and consent: team membership, grants, emergency access."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rondom.consent.backed import ConsentBacked, ConsentBackedQuerySet


class TeamMembership(ConsentBacked, models.Model):
    """A professional in a child's support team (ondersteuningsteam). Members from outside the child's
    school sit in the team on the family's consent (purpose 'support_team'); withdrawing it removes them."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="team_memberships")
    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="team_memberships")
    consent = models.ForeignKey("consent.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentBackedQuerySet["TeamMembership"].as_manager()
    holder = "membership"

    @classmethod
    def holding_q(cls, now: datetime) -> models.Q:
        """A seat gives access until it ends."""
        return models.Q(ended_at__isnull=True)

    class Meta:
        verbose_name = _("support team member")
        verbose_name_plural = _("support team members")


class AccessGrant(ConsentBacked, models.Model):
    """A time-limited grant from erbij halen: one professional, one child, the consented categories."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="access_grants")
    grantee = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="access_grants")
    consent = models.ForeignKey("consent.Consent", on_delete=models.PROTECT, related_name="grants")
    categories = models.JSONField(default=list)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentBackedQuerySet["AccessGrant"].as_manager()
    holder = "grantee"

    @classmethod
    def holding_q(cls, now: datetime) -> models.Q:
        """A grant gives access within its period until it is revoked."""
        return models.Q(revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now)

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")


class EmergencyAccess(models.Model):
    """Emergency access ('noodknop'): read access with a written reason, always reviewed afterwards."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="emergency_accesses")
    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
