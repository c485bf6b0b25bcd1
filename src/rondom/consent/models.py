from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rondom.core.categories import DataCategory

#: `fitting(..., recipient=_ANY)`: any recipient.
_ANY: Any = object()


class Purpose(models.TextChoices):
    SUPPORT_TEAM = "support_team", _("Share with the support team")
    PROVIDER = "provider", _("Share with a youth-care provider (erbij halen)")
    WIJKTEAM = "wijkteam", _("Share with the wijkteam")
    RESEARCH = "research", _("Use for research (pseudonymised)")
    INFORM_PARENTS = "inform_parents", _("Inform my parents (youth of 16 and older)")
    #: A request for support or a TLV to the samenwerkingsverband (recipient: the SWV; rondom.swv).
    SWV = "swv", _("Share with the samenwerkingsverband (request for support or TLV)")
    #: A warm transfer: the next school reads the plan before it accepts (recipient: that school; rondom.transfers).
    TRANSFER = "transfer", _("Share with the next school (warm transfer)")


class Capacity(models.TextChoices):
    PARENT = "parent", _("Parent with authority")
    YOUTH = "youth", _("The youth")


#: THE rule for "this consent is in force on a day" (issue 13, "one rule, one place"): every term must hold; a
#: tuple of terms holds when any of them does. "isnull" asks for an empty field, "lte"/"gte" compare the field
#: with the day asked about. The Python test (`Consent.is_active`), the ORM filter (`active_q`,
#: `ConsentQuerySet.active`, `ConsentBackedQuerySet.on_active_consent`) and the SQL fragment of the access policy's
#: one-statement read (`active_sql`) are all generated from this table, so they cannot drift apart
#: (consent/tests/test_active_rule.py checks them against each other on the edge days).
ACTIVE_RULE: tuple[tuple[str, str] | tuple[tuple[str, str], ...], ...] = (
    ("withdrawn_at", "isnull"),  # not withdrawn
    ("valid_from", "lte"),  # started on or before the day
    (("valid_until", "isnull"), ("valid_until", "gte")),  # open-ended, or ending on or after the day
)
_SQL_OPERATORS = {"lte": "<=", "gte": ">="}


def _terms(term: tuple[str, str] | tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return (term,) if isinstance(term[0], str) else term  # type: ignore[return-value]


def active_q(on: date, prefix: str = "") -> models.Q:
    """The ORM condition "the consent is in force on `on`", for a Consent queryset (`prefix=""`) or across a
    relation (`prefix="consent__"` from a model with a `consent` foreign key). Generated from ACTIVE_RULE."""
    q = models.Q()
    for term in ACTIVE_RULE:
        any_of = models.Q()
        for name, lookup in _terms(term):
            any_of |= models.Q(**{f"{prefix}{name}__{lookup}": True if lookup == "isnull" else on})
        q &= any_of
    return q


def active_sql(alias: str) -> tuple[str, int]:
    """The SQL condition "the consent is in force on the day" for raw SQL that joins consent_consent as `alias`,
    and how many times the day must be passed as a parameter (in order, one %s each). Generated from
    ACTIVE_RULE; only column names and operators are written into the text, never values."""
    parts: list[str] = []
    count = 0
    for term in ACTIVE_RULE:
        any_of: list[str] = []
        for name, lookup in _terms(term):
            if lookup == "isnull":
                any_of.append(f"{alias}.{name} IS NULL")
            else:
                any_of.append(f"{alias}.{name} {_SQL_OPERATORS[lookup]} %s")
                count += 1
        parts.append(any_of[0] if len(any_of) == 1 else "(" + " OR ".join(any_of) + ")")
    return " AND ".join(parts), count


def active_on(consent: Any, on: date) -> bool:
    """Whether one consent (any object with the consent's fields) is in force on `on`. Generated from ACTIVE_RULE."""
    for term in ACTIVE_RULE:
        held = False
        for name, lookup in _terms(term):
            value = getattr(consent, name)
            if lookup == "isnull":
                held = held or value is None
            elif value is not None:
                held = held or (value <= on if lookup == "lte" else value >= on)
        if not held:
            return False
    return True


def _purposes(purpose: str | Iterable[str]) -> frozenset[str]:
    return frozenset({purpose} if isinstance(purpose, str) else purpose)


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active(self, on: date | None = None) -> ConsentQuerySet:
        """Consents in force on a day (default: today): started, not expired, not withdrawn (ACTIVE_RULE)."""
        return self.filter(active_q(on or timezone.localdate()))

    def fitting(
        self, child: Any, purpose: str | Iterable[str], recipient: Any = _ANY, *, on: date | None = None
    ) -> ConsentQuerySet:
        """The consents that `fit` (see `Consent.fits`): in force on `on`, about `child`, for `purpose` (one or a
        collection), naming `recipient` (an organisation or its id; leave it out for any recipient)."""
        found = self.active(on).filter(child=child, purpose__in=_purposes(purpose))
        if recipient is not _ANY:
            found = found.filter(recipient=recipient)
        return found


class Consent(models.Model):
    """Consent of a family for one purpose, some data categories and (usually) one recipient organisation."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    categories = models.JSONField(_("data categories"), default=list)
    recipient = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents_received",
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Whose decision the withdrawal was: a parent with authority or the youth (also when a professional records it).
    withdrawn_on_behalf = models.CharField(max_length=10, blank=True, choices=Capacity.choices)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"

    def is_active(self, on: date | None = None) -> bool:
        """Whether this consent is in force on `on` (default: today), by ACTIVE_RULE."""
        return active_on(self, on or timezone.localdate())

    def fits(self, child: Any, purpose: str | Iterable[str], recipient: Any, *, on: date | None = None) -> bool:
        """THE rule "this consent lets data go to this recipient": in force on `on` (default: today), given for
        `child` (a Child or its id), for `purpose` (one purpose or a collection of them) and naming `recipient` (an
        Organisation, its id, or None for a purpose without recipient). Used by every service that seats,
        grants or brings someone in on a consent (access.services, cases.services)."""
        child_id = getattr(child, "pk", child)
        recipient_id = getattr(recipient, "pk", recipient)
        return (
            self.child_id == child_id
            and self.purpose in _purposes(purpose)
            and self.recipient_id == recipient_id
            and self.is_active(on)
        )

    def covers(self, category: str) -> bool:
        return category in self.categories

    def category_labels(self) -> list[str]:
        """The shared parts of the record as the user reads them ("Ondersteuning op school"), never the codes;
        an unknown code (from an older version) is shown as it is rather than hidden."""
        labels = dict(DataCategory.choices)
        return [str(labels.get(code, code)) for code in self.categories]


class ConsentGiver(models.Model):
    """Who gave a consent: a parent with authority (by guardianship) or the youth."""

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="givers")
    capacity = models.CharField(max_length=10, choices=Capacity.choices)
    guardianship = models.ForeignKey("registry.Guardianship", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity="youth", guardianship__isnull=True)
                | models.Q(capacity="parent", guardianship__isnull=False),
                name="giver_parent_has_guardianship",
            )
        ]
