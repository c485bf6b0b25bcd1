"""Absence (verzuim) as exported from a school's pupil administration, the column mappings that read those
exports, and the absence protocols whose thresholds turn absence into signals for the right role."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rondom.core.roles import Role


class AbsenceKind(models.TextChoices):
    UNAUTHORISED = "unauthorised", _("Unauthorised (ongeoorloofd)")
    AUTHORISED = "authorised", _("Authorised (geoorloofd)")
    SICK = "sick", _("Sick")
    LATE = "late", _("Late")
    EXEMPTION = "exemption", _("Exemption (vrijstelling)")


class DateFormat(models.TextChoices):
    DMY_DASH = "%d-%m-%Y", "31-12-2026"
    ISO = "%Y-%m-%d", "2026-12-31"
    DMY_SLASH = "%d/%m/%Y", "31/12/2026"


class ColumnMapping(models.Model):
    """How one school system's absence export reads: which column holds what, and what its codes mean.

    A functioneel beheerder configures and saves it once per school system (ParnasSys, Magister, Somtoday, ...);
    every school of the organisation that owns it can use it."""

    name = models.CharField(_("name"), max_length=100)
    school_system = models.CharField(_("school system"), max_length=50)
    owner = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    bsn_column = models.CharField(_("column with the BSN"), max_length=100)
    date_column = models.CharField(_("column with the date"), max_length=100)
    kind_column = models.CharField(_("column with the kind of absence"), max_length=100)
    hours_column = models.CharField(_("column with the hours"), max_length=100, blank=True)
    lesson_hour_column = models.CharField(_("column with the lesson hour"), max_length=100, blank=True)
    date_format = models.CharField(
        _("date format"), max_length=10, choices=DateFormat.choices, default=DateFormat.DMY_DASH
    )
    #: The export's own codes for each kind, e.g. {"O": "unauthorised", "Z": "sick"}; compared without case.
    kind_codes = models.JSONField(_("codes per kind"), default=dict)
    #: The export's codes that are not absence (present, homework forgotten, late with permission, ...): rows with
    #: them are read and skipped, never stored and never an error. Compared without case.
    skip_codes = models.JSONField(_("codes that are not absence"), default=list, blank=True)
    lesson_minutes = models.PositiveSmallIntegerField(_("minutes per lesson hour"), default=60)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    #: Optimistic concurrency (rondom.versioning): an edit names the version it read.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_mapping_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_system})"

    def required_columns(self) -> list[tuple[str, str]]:
        """(field, column name) of every column the file must have."""
        columns = [("bsn", self.bsn_column), ("date", self.date_column), ("kind", self.kind_column)]
        if self.hours_column:
            columns.append(("hours", self.hours_column))
        if self.lesson_hour_column:
            columns.append(("lesson_hour", self.lesson_hour_column))
        return columns


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Reading")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Refused")


class AbsenceImport(models.Model):
    """One upload of an absence file. A refused import changed nothing; its report says row, column and reason."""

    school = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    #: None for absence posted by a school system through the API (attendance.api; importer.api_mapping).
    mapping = models.ForeignKey(ColumnMapping, null=True, blank=True, on_delete=models.PROTECT, related_name="imports")
    file_name = models.CharField(max_length=200)
    #: The key a school system sent with absence posted through the API (its Idempotency-Key): the same key and
    #: the same rows again return this import; the same key with other rows is refused (409).
    client_key = models.CharField(max_length=100, blank=True, default="")
    file_size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    inserted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    pupils = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # rows with a code that is not absence
    error_count = models.PositiveIntegerField(default=0)
    #: The first errors: [{"row": 12, "column": "Datum", "reason": "..."}]. Never the cell's value.
    errors = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "client_key"],
                condition=~models.Q(client_key="") & models.Q(status="done"),
                name="unique_api_import_key",
            ),
        ]


class AbsenceRecord(models.Model):
    """Absence of one pupil on one day (lesson_hour 0) or in one lesson hour."""

    # No separate indexes on the foreign keys: the unique slot (child first) and (school, date) cover them, and
    # every index costs time on a million-row import.
    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="absences", db_index=False)
    school = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False)
    date = models.DateField()
    lesson_hour = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=AbsenceKind.choices)
    minutes = models.PositiveIntegerField()
    source = models.ForeignKey(AbsenceImport, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "date", "lesson_hour"], name="unique_absence_slot"),
        ]
        indexes = [models.Index(fields=["school", "date"], name="absence_school_date")]


class Metric(models.TextChoices):
    HOURS_IN_WINDOW = "hours_in_window", _("Hours within a period")
    CONSECUTIVE_DAYS = "consecutive_days", _("School days in a row")


class AbsenceProtocol(models.Model):
    """A threshold as data: e.g. 16 hours of unauthorised absence within 28 days → leerplicht within 5 working days.

    Applies to the schools in `schools`, or (when none are named) to every school in `municipality`, or (when that is
    empty too) everywhere. `registers_thuiszitter` puts the child in the thuiszitter register when it fires."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    kinds = models.JSONField(_("kinds of absence counted"), default=list)
    metric = models.CharField(_("measure"), max_length=20, choices=Metric.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=6, decimal_places=1)
    window_days = models.PositiveSmallIntegerField(_("period (days)"), default=28)
    signal_role = models.CharField(_("signal goes to"), max_length=30, choices=Role.choices)
    due_working_days = models.PositiveSmallIntegerField(_("act within (working days)"), default=5)
    registers_thuiszitter = models.BooleanField(_("registers a thuiszitter"), default=False)
    municipality = models.ForeignKey(
        "registry.Municipality", verbose_name=_("region"), null=True, blank=True, on_delete=models.CASCADE
    )
    schools = models.ManyToManyField("accounts.Organisation", verbose_name=_("schools"), blank=True, related_name="+")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ThresholdSignal(models.Model):
    """A protocol's threshold crossed by one child: a signal for `role` with a due date."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="absence_signals")
    protocol = models.ForeignKey(AbsenceProtocol, on_delete=models.PROTECT, related_name="signals")
    role = models.CharField(max_length=30, choices=Role.choices)
    period_start = models.DateField()
    crossed_on = models.DateField()
    value = models.DecimalField(max_digits=8, decimal_places=1)
    due_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    handled_note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["child", "protocol", "crossed_on"], name="unique_threshold_signal"),
        ]


class AbsenceMonth(models.Model):
    """Absence per school, calendar month and kind, summed from `AbsenceRecord`: what the monitoring indicators read,
    so that five school years of a city are a few thousand rows instead of millions. Refreshed per school-month by
    the worker after an import and hourly (the queue of `monitoring.rollup`), rebuilt whole by
    `services.refresh_absence_months()`; rows of a frozen school year stay as published. Never edited by hand."""

    school = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()  # first day of the month
    kind = models.CharField(max_length=12, choices=AbsenceKind.choices)
    minutes = models.BigIntegerField()
    records = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "month", "kind"], name="unique_absence_month")]
