"""Pilots (proeftuinen), their population budgets, the werkplan of school social work per school and the yearly
allocation round. What the monitoring keeps (report texts, rollups) is in `rondom.monitoring.models`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Pilot(models.Model):
    """One of the five-year pilots of the sources, with its area or schools and the parties' commitments."""

    class Kind(models.TextChoices):
        AREA = "area", _("An area (wijk)")
        SPECIAL_EDUCATION = "special_education", _("Special forms of education")
        SPECIFIC_CARE = "specific_care", _("Education and specific youth care (selected schools)")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    area = models.ForeignKey("registry.Wijk", verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT)
    schools = models.ManyToManyField("accounts.Organisation", verbose_name=_("schools"), blank=True, related_name="+")
    start_year = models.PositiveSmallIntegerField(_("first school year (autumn)"))
    years = models.PositiveSmallIntegerField(_("term in years"), default=5)
    #: Participants and what they committed to: [{"party": "Gemeente Zwolle", "commitment": "..."}].
    participants = models.JSONField(_("participants and commitments"), default=list)
    #: Population budget: current spending per party (nulmeting) and the agreed yearly shrink in percent.
    baseline = models.JSONField(_("baseline spending per party"), default=dict)
    shrink_percent = models.DecimalField(_("yearly shrink (%)"), max_digits=5, decimal_places=2, default=0)
    #: Actual spending per pilot year: {"1": "975000.00"}.
    actual = models.JSONField(_("actual spending per year"), default=dict)

    class Meta:
        ordering = ["start_year", "name"]

    def __str__(self) -> str:
        return self.name


class Werkplan(models.Model):
    """A school's werkplan for school social work in one school year. It counts only when both the school and the
    wijkteam approved it."""

    school = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="werkplannen")
    school_year = models.CharField(_("school year"), max_length=9)  # "2026-2027"
    text = models.TextField(_("werkplan"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    school_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    school_approved_at = models.DateTimeField(null=True, blank=True)
    wijkteam_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    wijkteam_approved_at = models.DateTimeField(null=True, blank=True)
    #: Optimistic concurrency (rondom.versioning): a rewrite or an approval names the version it read.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "school_year"], name="one_werkplan_per_year")]

    @property
    def counts(self) -> bool:
        return self.school_approved_at is not None and self.wijkteam_approved_at is not None


class AllocationRound(models.Model):
    """The yearly allocation of school social work in one municipality: the rules (base, maatwerkuren, weights,
    rate, shares), the computed hours and cost per school, Bloz's advice and the municipality's final decision.
    Until it is decided it can be recomputed; afterwards it is what counts."""

    municipality = models.ForeignKey("registry.Municipality", on_delete=models.PROTECT, related_name="+")
    school_year = models.CharField(_("school year"), max_length=9)
    rules = models.JSONField(_("rules"))
    #: [{"school": id, "name": ..., "need_index": "0.1234", "base_hours": ..., "maatwerk_hours": ..., "cost": ...,
    #:   "school_pays": ..., "municipalities_pay": {name: amount}}], amounts as strings.
    result = models.JSONField(_("allocation per school"), default=list)
    computed_at = models.DateTimeField(null=True)
    advice = models.TextField(_("advice of Bloz"), blank=True)
    advice_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    advice_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "school_year"], name="one_allocation_per_year")]
