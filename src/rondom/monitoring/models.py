"""What the monitoring keeps: the words for a pilot's accountability report and the monthly rollup the indicators
read. The tables keep their names from when these models lived in `funding` (`db_table`), so moving them moved no
data (migrations funding 0006 and monitoring 0001)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportText(models.Model):
    """Words that give meaning to the figures in a pilot's yearly accountability report, from professionals,
    parents, youths or the commissioners; shown in the report under the name the writer chose."""

    class Perspective(models.TextChoices):
        PROFESSIONAL = "professional", _("Professionals")
        PARENT = "parent", _("Parents")
        YOUTH = "youth", _("Youths")
        COMMISSIONER = "commissioner", _("Commissioners")

    pilot = models.ForeignKey("funding.Pilot", on_delete=models.CASCADE, related_name="texts")
    school_year = models.CharField(_("school year"), max_length=9)
    perspective = models.CharField(_("perspective"), max_length=12, choices=Perspective.choices)
    signed_as = models.CharField(_("signed as"), max_length=120, blank=True)
    text = models.TextField(_("text"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "funding_reporttext"
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
        db_table = "funding_monthlyfact"
        constraints = [models.UniqueConstraint(fields=["fact", "school", "month"], name="unique_monthly_fact")]


class RollupRefresh(models.Model):
    """When a rollup was last recomputed, so the dashboard can say how fresh its figures are."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    class Meta:
        db_table = "funding_rolluprefresh"
