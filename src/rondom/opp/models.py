"""The ontwikkelingsperspectief (OPP) around the one plan: the parents' instemming with its handelingsdeel (and with
the minutes of a support-team meeting they attended), and its yearly evaluation with the parents.

The OPP's parts themselves are part of the plan (`cases.Plan.content["opp"]`, see `rondom.opp.sections`), so they are
versioned with the goals and a new version asks the parents again (WPO art. 40a lid 3, WVO 2020 art. 8.10 lid 3,
WEC art. 41a: instemmingsrecht on the handelingsdeel; evaluated with the parents at least once a year)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rondom.consent.models import Capacity


def _private_storage():  # type: ignore[no-untyped-def]
    """Scans of paper signatures live in the data folder, served only through a guarded view."""
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=str(settings.VAR_DIR / "uploads"))


class Instemming(models.Model):
    """One person's instemming (or refusal) with exactly one version of what they were shown: the handelingsdeel of
    an OPP version, or the minutes of one agenda item. `content_hash` is the SHA-256 of the canonical text shown
    (rondom.opp.hashing); a new version has another hash and asks again. Rows are only ever added."""

    class Subject(models.TextChoices):
        HANDELINGSDEEL = "handelingsdeel", _("Handelingsdeel of the OPP")
        MINUTES = "minutes", _("Minutes of a support-team meeting")

    class Method(models.TextChoices):
        DIGID = "digid", _("In the portal, signed in with DigiD")
        EMAIL_CODE = "email_code", _("In the portal, signed in with an e-mail code")
        PAPER = "paper", _("On paper, signature recorded with the scan")

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="instemmingen")
    subject = models.CharField(max_length=20, choices=Subject.choices)
    plan = models.ForeignKey("cases.Plan", null=True, blank=True, on_delete=models.CASCADE, related_name="instemmingen")
    plan_version = models.PositiveIntegerField(null=True, blank=True)
    agenda_item = models.ForeignKey(
        "cases.AgendaItem", null=True, blank=True, on_delete=models.CASCADE, related_name="instemmingen"
    )
    content_hash = models.CharField(max_length=64)
    capacity = models.CharField(max_length=10, choices=Capacity.choices)
    #: The parent with authority who decided (None for the youth).
    guardianship = models.ForeignKey("registry.Guardianship", null=True, blank=True, on_delete=models.PROTECT)
    person_name = models.CharField(max_length=200)
    agrees = models.BooleanField()
    own_words = models.TextField(blank=True)
    method = models.CharField(max_length=20, choices=Method.choices)
    scan = models.FileField(storage=_private_storage, upload_to="signatures/", blank=True)
    #: Paper only: the day the parent signed, and the scan's original name and checked content type (portal.uploads).
    signed_on = models.DateField(null=True, blank=True)
    scan_name = models.CharField(max_length=200, blank=True)
    scan_content_type = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject="handelingsdeel", plan__isnull=False, plan_version__isnull=False)
                | models.Q(subject="minutes", agenda_item__isnull=False),
                name="instemming_names_what",
            )
        ]


class OppEvaluation(models.Model):
    """The yearly evaluation of the OPP with the parents (at least once a school year; WPO art. 40a lid 5)."""

    plan = models.ForeignKey("cases.Plan", on_delete=models.CASCADE, related_name="opp_evaluations")
    held_on = models.DateField(_("held on"))
    with_parents = models.BooleanField(_("the parents took part"), default=True)
    summary = models.TextField(_("what was concluded"))
    next_due = models.DateField(_("next evaluation due"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
