"""A warm transfer: when a child moves school, the current school offers the plan, the involved professionals and the
open help to the next school; with the parents' (or the 16+ youth's) consent the receiving school accepts or
declines. Access follows the child: the receiving school reads on the consent while it decides; on acceptance the
child's school becomes the new school, and the previous school keeps reading until `previous_access_until`
(rondom.access.rules.TRANSFER_*; issue 16)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TransferKind(models.TextChoices):
    PO_VO = "po_vo", _("Primary to secondary (po to vo)")
    TO_SPECIAL = "to_special", _("To special education")
    FROM_SPECIAL = "from_special", _("From special education to regular")
    TO_MBO = "to_mbo", _("To mbo")
    MOVE = "move", _("Move to another school")


class TransferState(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Transfer(models.Model):
    """One offer of a child's plan, people and help from one school to the next. `consent` is the family's consent
    with purpose TRANSFER naming the receiving school; `received_at` is the receipt (first opened by the receiving
    school). `version` guards against lost updates."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="transfers")
    from_school = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="transfers_out")
    to_school = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="transfers_in")
    kind = models.CharField(_("kind of transfer"), max_length=20, choices=TransferKind.choices)
    #: The first school day at the new school.
    moves_on = models.DateField(_("first day at the new school"))
    #: The previous school's ground ends after this day (a set date; at the latest the end of the school year).
    previous_access_until = models.DateField(_("previous school reads until"))
    message = models.TextField(_("message to the next school"), blank=True)
    consent = models.ForeignKey("consent.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=TransferState.choices, default=TransferState.OFFERED)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    offered_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-offered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=models.Q(state="offered"), name="one_open_transfer_per_child"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_school=models.F("to_school")), name="transfer_to_another_school"
            ),
        ]


class TransferredHelp(models.Model):
    """A piece of open help offered with the transfer (a request for help, its grant) and whether it continues at
    the new school; a continuing grant is kept only on the family's consent."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="help")
    help_request = models.ForeignKey("cases.HelpRequest", on_delete=models.CASCADE, related_name="+")
    continues = models.BooleanField(default=True)


class TransferredProfessional(models.Model):
    """A professional involved with the child (a support-team seat or a grant) offered with the transfer, so the
    next school knows whom to call."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="professionals")
    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=200, blank=True)
