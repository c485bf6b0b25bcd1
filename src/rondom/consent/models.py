from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rondom.core.categories import DataCategory


class Purpose(models.TextChoices):
    SUPPORT_TEAM = "support_team", _("Share with the support team")
    PROVIDER = "provider", _("Share with a youth-care provider (erbij halen)")
    WIJKTEAM = "wijkteam", _("Share with the wijkteam")
    RESEARCH = "research", _("Use for research (pseudonymised)")
    INFORM_PARENTS = "inform_parents", _("Inform my parents (youth of 16 and older)")


class Capacity(models.TextChoices):
    PARENT = "parent", _("Parent with authority")
    YOUTH = "youth", _("The youth")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active(self, on: date | None = None) -> ConsentQuerySet:
        """Consents in force on a day: started, not expired, not withdrawn."""
        on = on or timezone.localdate()
        return self.filter(withdrawn_at__isnull=True, valid_from__lte=on).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=on)
        )


class Consent(models.Model):
    """Consent of a family for one purpose, some data categories and (usually) one recipient organisation."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    categories = models.JSONField(_("data categories"), default=list)
    recipient = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents_received",
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Whose decision the withdrawal was: a parent with authority or the youth (also when a professional records it).
    withdrawn_on_behalf = models.CharField(max_length=10, blank=True, choices=Capacity.choices)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"

    def is_active(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        if self.withdrawn_at is not None or self.valid_from > on:
            return False
        return self.valid_until is None or self.valid_until >= on

    def covers(self, category: str) -> bool:
        return category in self.categories

    def category_labels(self) -> list[str]:
        """The shared parts of the record as the user reads them ("Ondersteuning op school"), never the codes;
        an unknown code (from an older version) is shown as it is rather than hidden."""
        labels = dict(DataCategory.choices)
        return [str(labels.get(code, code)) for code in self.categories]


class ConsentGiver(models.Model):
    """Who gave a consent: a parent with authority (by guardianship) or the youth."""

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="givers")
    capacity = models.CharField(max_length=10, choices=Capacity.choices)
    guardianship = models.ForeignKey("registry.Guardianship", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity="youth", guardianship__isnull=True)
                | models.Q(capacity="parent", guardianship__isnull=False),
                name="giver_parent_has_guardianship",
            )
        ]
