"""Saved column mappings for roster spreadsheets (pupils or parents), per school, like the absence mappings; the
uploads of the functioneel beheerder's web import (issue 15)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RosterDateFormat(models.TextChoices):
    DMY_DASH = "%d-%m-%Y", "31-12-2026"
    ISO = "%Y-%m-%d", "2026-12-31"
    DMY_SLASH = "%d/%m/%Y", "31/12/2026"


class RosterMapping(models.Model):
    """How one school's roster spreadsheet (CSV/XLSX) reads: which column holds which field (`columns`, field ->
    the column's header as the file writes it; matched without case and spaces), and for a parents file which
    of the file's words mean which relation (`relation_values`, e.g. {"Moeder": "parent", "Voogd": "guardian"},
    on top of the Dutch defaults in rondom.roster.mapped.DEFAULT_RELATIONS).

    Fields of a pupils file (kind ``pupils``): key, given_name, voorvoegsel, family_name, date_of_birth, group
    (required: key, given_name, family_name, date_of_birth), optional bsn, onderwijsnummer, teacher_email (the
    e-mail addresses of the group's teachers, separated by commas or semicolons). Fields of a parents file (kind
    ``parents``): pupil_key, given_name, voorvoegsel, family_name, relation, has_authority, email, phone (required:
    pupil_key, family_name)."""

    class Kind(models.TextChoices):
        PUPILS = "pupils", _("Pupils and groups")
        PARENTS = "parents", _("Parents and carers")

    school = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("school"), on_delete=models.CASCADE, related_name="roster_mappings"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind of file"), max_length=10, choices=Kind.choices, default=Kind.PUPILS)
    columns = models.JSONField(_("columns per field"), default=dict)
    relation_values = models.JSONField(_("words for each relation"), default=dict, blank=True)
    date_format = models.CharField(
        _("date format"), max_length=10, choices=RosterDateFormat.choices, default=RosterDateFormat.DMY_DASH
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    #: Optimistic concurrency (rondom.versioning): an edit names the version it read.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("roster column mapping")
        verbose_name_plural = _("roster column mappings")
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="unique_roster_mapping_name")]

    def __str__(self) -> str:
        return self.name


class UploadKind(models.TextChoices):
    """What an uploaded file holds and how it is read."""

    EDEXML = "edexml", _("EDEXML file of the school administration system")
    MAPPED = "mapped", _("Spreadsheet (CSV or XLSX) with a saved column mapping")
    PARENTS = "parents", _("Parents and carers (CSV or XLSX with a saved column mapping)")


class UploadStatus(models.TextChoices):
    """The steps of a web import: first a dry run (``checking`` → ``checked`` or ``refused``), then, on the
    beheerder's confirmation, the import itself (``applying`` → ``done`` or ``refused``)."""

    CHECKING = "checking", _("Trial run in progress")
    CHECKED = "checked", _("Trial run done; waiting for confirmation")
    APPLYING = "applying", _("Import in progress")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Refused; nothing changed")


class RosterUpload(models.Model):
    """One file uploaded on the web by a school's functioneel beheerder. The file itself is kept under VAR_DIR only
    until the import is done or refused (rondom.roster.uploads). ``report`` is the dry run's outcome, ``result`` the
    import's (RosterReport as a dict: counts and the pupils per change, named as the school knows them); ``errors``
    the refused file's rows ([{"row", "field", "message"}], never a cell's value)."""

    school = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=UploadKind.choices)
    #: The saved column mapping of a spreadsheet; None for EDEXML.
    mapping = models.ForeignKey(RosterMapping, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=200)
    file_size = models.PositiveBigIntegerField(default=0)
    #: The file holds every current pupil of the school (a full export): only then is a pupil missing from it marked
    #: as having left. An export of some pupils (one group, the new pupils) is imported with ``full=False``.
    full = models.BooleanField(default=True)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=UploadStatus.choices, default=UploadStatus.CHECKING)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
