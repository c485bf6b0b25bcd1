"""Requests of a school to its samenwerkingsverband passend onderwijs (SWV): a short intervention, extra support (an
arrangement, with funding), a multidisciplinary consultation, or a toelaatbaarheidsverklaring (TLV) for special
education (WPO art. 18a, WVO 2020 art. 6.1.1, WEC art. 40; issue 16). One request form, filled from the OPP and the
case; the SWV's loket plans it on its weekly meeting, gets advice and decides within the configured working days."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    SHORT_INTERVENTION = "short_intervention", _("Short intervention")
    ARRANGEMENT = "arrangement", _("Extra support (arrangement)")
    CONSULTATION = "consultation", _("Multidisciplinary consultation")
    TLV = "tlv", _("Toelaatbaarheidsverklaring (TLV)")


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    PLANNED = "planned", _("Planned on a meeting")
    ADVISED = "advised", _("Advice given")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TlvCategory(models.TextChoices):
    """The funding category of a TLV for special education (Bekostigingsbesluit WEC: categorie laag, midden, hoog)."""

    LOW = "low", _("Category low (laag)")
    MEDIUM = "medium", _("Category medium (midden)")
    HIGH = "high", _("Category high (hoog)")


class SwvRequest(models.Model):
    """One request of a school to its SWV about one child. `snapshot` holds the OPP parts and the case's question as
    they were sent (the school does not retype them, and later edits of the plan do not change what was decided on).
    `version` guards against lost updates (rondom.versioning)."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="swv_requests")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="swv_requests"
    )
    school = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="swv_requests_sent")
    swv = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="swv_requests")
    kind = models.CharField(_("kind of request"), max_length=20, choices=RequestKind.choices)
    question = models.TextField(_("question to the samenwerkingsverband"))
    snapshot = models.JSONField(default=dict)
    plan_version = models.PositiveIntegerField(null=True, blank=True)
    #: Extra support: the funding asked for, in euros.
    funding_requested = models.DecimalField(
        _("funding requested (euro)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    consent = models.ForeignKey("consent.Consent", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=RequestState.choices, default=RequestState.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    received_on = models.DateField()
    #: The last day to decide: `received_on` plus SWV_DECISION_WORKING_DAYS working days (schoolcalendar).
    decide_by = models.DateField()
    meeting_on = models.DateField(_("meeting of the samenwerkingsverband"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    #: Why the decision came after `decide_by` (required then).
    late_reason = models.TextField(_("reason for deciding late"), blank=True)
    beschikkingsnummer = models.CharField(max_length=40, blank=True)
    tlv_category = models.CharField(_("TLV category"), max_length=10, blank=True, choices=TlvCategory.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    funding_granted = models.DecimalField(
        _("funding granted (euro)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    #: An arrangement must start within 8 weeks of the decision (`start_by`); when it started and ended.
    start_by = models.DateField(null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    #: Who withdrew the request (the school's intern begeleider or zorgcoördinator) and why (rondom.swv.services).
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_reason = models.TextField(_("reason for withdrawing"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["decide_by", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["swv", "beschikkingsnummer"],
                condition=~models.Q(beschikkingsnummer=""),
                name="unique_beschikkingsnummer",
            )
        ]


class RequestDocument(models.Model):
    """A document from the child's record attached to a request, released by the parents per document (the consent
    that names the SWV lists its id). `family_document` is a document in the record; a generated one (the OPP as
    PDF) is `generated` with its bytes kept as sent."""

    request = models.ForeignKey(SwvRequest, on_delete=models.CASCADE, related_name="documents")
    family_document = models.ForeignKey(
        "portal.FamilyDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    generated = models.CharField(max_length=40, blank=True)
    name = models.CharField(max_length=200)
    consent = models.ForeignKey("consent.Consent", on_delete=models.PROTECT, related_name="+")
    attached_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    attached_at = models.DateTimeField(auto_now_add=True)


class Expertise(models.TextChoices):
    ORTHOPEDAGOOG = "orthopedagoog", _("Orthopedagoog")
    PSYCHOLOOG = "psycholoog", _("Psycholoog")
    KINDERPSYCHIATER = "kinderpsychiater", _("Kinder- en jeugdpsychiater")
    MAATSCHAPPELIJK_WERKER = "maatschappelijk_werker", _("Maatschappelijk werker")
    ARTS = "arts", _("Arts")


class Advice(models.Model):
    """An expert's advice on a request. A TLV needs two, one of them an orthopedagoog or psycholoog (WPO art. 18a
    lid 6; rondom.swv.rules)."""

    request = models.ForeignKey(SwvRequest, on_delete=models.CASCADE, related_name="advices")
    expert = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    expertise = models.CharField(_("expertise"), max_length=30, choices=Expertise.choices)
    recommends = models.BooleanField(_("recommends granting"))
    text = models.TextField(_("advice"))
    given_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["given_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["request", "expert"], name="one_advice_per_expert")]


class NumberCounter(models.Model):
    """The last beschikkingsnummer given per SWV and year, raised atomically (F() update in one transaction)."""

    swv = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["swv", "year"], name="one_counter_per_swv_year")]


class DocumentRelease(models.Model):
    """The parents' consent per document (issue 16: "documents attached from the record on the parents' consent per
    document"): under one consent with purpose SWV naming the samenwerkingsverband, each released document is one
    row: a document from the record (`family_document`) or a generated one (`generated`, e.g. "opp_pdf": the OPP as
    PDF). Only released documents can be attached to a request of that consent (rondom.swv.services). A withdrawn
    consent releases nothing any more. Rows are only ever added."""

    consent = models.ForeignKey("consent.Consent", on_delete=models.CASCADE, related_name="swv_releases")
    family_document = models.ForeignKey(
        "portal.FamilyDocument", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    generated = models.CharField(max_length=40, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["released_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consent", "family_document"],
                condition=models.Q(family_document__isnull=False),
                name="one_release_per_document",
            ),
            models.UniqueConstraint(
                fields=["consent", "generated"], condition=~models.Q(generated=""), name="one_release_per_generated"
            ),
        ]
