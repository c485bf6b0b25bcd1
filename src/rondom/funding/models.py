"""Pilots (proeftuinen), their population budgets, and the werkplan of school social work per school."""

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


class ReportText(models.Model):
    """Words that give meaning to the figures in a pilot's yearly accountability report, from professionals,
    parents, youths or the commissioners; shown in the report under the name the writer chose."""

    class Perspective(models.TextChoices):
        PROFESSIONAL = "professional", _("Professionals")
        PARENT = "parent", _("Parents")
        YOUTH = "youth", _("Youths")
        COMMISSIONER = "commissioner", _("Commissioners")

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="texts")
    school_year = models.CharField(_("school year"), max_length=9)
    perspective = models.CharField(_("perspective"), max_length=12, choices=Perspective.choices)
    signed_as = models.CharField(_("signed as"), max_length=120, blank=True)
    text = models.TextField(_("text"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["perspective", "written_at"]


class MonthlyFact(models.Model):
    """What the monitoring counts, per school and calendar month: the sum and the number of goal scores,
    questionnaire answers, closed cases (solved inside school / all), help requests (brought in / all) and school
    moves. The indicators read these few thousand rows instead of every evaluation, case and request of five school
    years. Refreshed as a whole by the worker every hour and after the demo load (`rollup.refresh_monthly_facts`);
    never edited by hand."""

    school = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()  # first day of the month
    school_year = models.PositiveSmallIntegerField()  # the school year the month falls in (2026 = 2026-2027)
    fact = models.CharField(max_length=20)
    total = models.BigIntegerField()  # the sum of the scores, or the part (solved inside school, brought in, children)
    count = models.PositiveIntegerField()  # the number of scores, or the whole (cases, requests); 0 for plain counts

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fact", "school", "month"], name="unique_monthly_fact")]


class RollupRefresh(models.Model):
    """When a rollup was last recomputed, so the dashboard can say how fresh its figures are."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()
