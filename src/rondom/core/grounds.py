"""The grounds on which someone may see or change (part of) a child's record. Which role may do what on each ground
is in rondom.access.rules; apps that add grounds from their own data register them with rondom.access.grounds."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Ground(models.TextChoices):
    SCHOOL_ROLE = "school_role", _("Support role at the child's school")
    SUPPORT_TEAM = "support_team", _("Member of the child's support team")
    GRANT = "grant", _("Time-limited grant (erbij halen)")
    REQUEST = "request", _("Request for help addressed to you, on consent")
    LEGAL_TASK = "legal_task", _("Legal task")
    PARENT = "parent", _("Parent with authority")
    YOUTH = "youth", _("The youth's own record")
    ESCALATION = "escalation", _("Decider on the escalation ladder")
    #: A request from the child's school to the samenwerkingsverband, on the family's consent (rondom.swv).
    SWV_REQUEST = "swv_request", _("Request to the samenwerkingsverband, on consent")
    #: A warm transfer to another school: the receiving school before it accepts (on consent), the previous school
    #: after it until the transfer's set date (rondom.transfers).
    TRANSFER = "transfer", _("Transfer to another school")
    EMERGENCY = "emergency", _("Emergency access")
    RETENTION = "retention", _("Retention period ended")
    RESEARCH = "research", _("Research on the family's consent (pseudonymised)")
    #: Not a ground on the child's record: reading an emergency access to review it (reviewer, privacy officer).
    REVIEW = "review", _("Review of an emergency access")
    #: Not a ground on a child: figures about many children, no child named (monitoring report, overviews).
    AGGREGATE = "aggregate", _("Aggregate figures, no child named")
