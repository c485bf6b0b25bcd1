"""What the roster app keeps of its own: the uploads of the functioneel beheerder's web import (issue 15)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    #: The saved column mapping (rondom.roster.mapped) of a spreadsheet; None for EDEXML.
    mapping_id = models.PositiveIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=200)
    file_size = models.PositiveBigIntegerField(default=0)
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
