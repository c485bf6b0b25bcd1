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
    years. Refreshed per school-month where facts change (the queue `DirtyMonth`, drained by the worker), rebuilt
    whole by `rollup.refresh_monthly_facts()` (repairs, the demo); rows of a frozen school year stay as published.
    Never edited by hand."""

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


class DirtyMonth(models.Model):
    """A school-month whose rollup rows (`MonthlyFact` and `attendance.AbsenceMonth`) may be stale: a coalescing
    queue. A change to a fact marks its (school, month) (`rollup.mark_dirty`, an insert that ignores a pair already
    queued), the worker refreshes the queued pairs and removes them (`rollup.drain`). Many marks of one pair before
    a drain are one refresh."""

    school = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()  # first day of the month
    reason = models.CharField(max_length=40, blank=True)  # what marked it first (an import, a case, ...)
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "month"], name="unique_dirty_month")]


class FrozenYear(models.Model):
    """A school year whose figures were reported (published): its rollup rows never change again. Retention
    deleting its raw rows and the full rebuild leave them; a later correction of one of its facts is recorded as a
    `Restatement`, shown next to the published figure."""

    school_year = models.PositiveSmallIntegerField(unique=True)  # 2025 = 2025-2026
    frozen_at = models.DateTimeField()
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-school_year"]


class Restatement(models.Model):
    """A late correction of a published figure: for one school, month and fact of a frozen school year, the
    total/count as published and as the raw rows now give it. The published figure stays what the indicators
    read; the dashboard shows this one next to it as *Herzien cijfer*. `fact` is a MonthlyFact fact or
    `absence_<kind>` (AbsenceMonth: total = minutes, count = records). Appended, never edited: the latest per
    (school, month, fact) is the current correction."""

    school = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    school_year = models.PositiveSmallIntegerField()
    fact = models.CharField(max_length=30)
    published_total = models.BigIntegerField()
    published_count = models.PositiveIntegerField()
    corrected_total = models.BigIntegerField()
    corrected_count = models.PositiveIntegerField()
    recorded_at = models.DateTimeField()
    reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["school_year", "month", "school_id", "fact", "pk"]
        indexes = [models.Index(fields=["school_year", "school"], name="restatement_year_school")]
