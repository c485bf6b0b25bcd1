"""The thuiszitter register and the escalation ladder: no child stays home because parties disagree.

A thuiszitter is relative (enrolled, absent for more than four weeks, with or without authorisation: both count) or
absolute (not enrolled). While a child is at home, the case climbs a ladder of agreed deciders; each level has a
deadline, and a level that lets its deadline pass without a decision hands the case up by itself."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rondom.core.roles import OrganisationKind, Role


class ThuiszitterKind(models.TextChoices):
    RELATIVE = "relative", _("Relative (enrolled, at home over 4 weeks)")
    ABSOLUTE = "absolute", _("Absolute (not enrolled)")


class Reason(models.TextChoices):
    NO_FITTING_PLACE = "no_place", _("No fitting school place")
    WAITING_FOR_CARE = "waiting_care", _("Waiting for youth care")
    MENTAL_HEALTH = "mental", _("Mental health problems")
    SCHOOL_REFUSAL = "refusal", _("School anxiety or refusal")
    BEHAVIOUR = "behaviour", _("Behaviour")
    PHYSICAL = "physical", _("Illness or physical limitation")
    HOME = "home", _("Home situation")
    NOT_ENROLLED = "not_enrolled", _("Moved or not enrolled")
    OTHER = "other", _("Other")


class EscalationLevel(models.Model):
    """One rung of a region's ladder: who decides, and within how many working days."""

    municipality = models.ForeignKey(
        "registry.Municipality",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: the ladder of every region without its own."),
    )
    rank = models.PositiveSmallIntegerField(_("level"))
    name = models.CharField(_("name"), max_length=100)
    #: Who decides at this level: [{"role": "policy_officer", "kind": "municipality"}, ...]. At a school kind the
    #: child's own school; at other kinds an organisation serving the child's home municipality.
    deciders = models.JSONField(_("deciders"), default=list)
    deadline_working_days = models.PositiveSmallIntegerField(_("decide within (working days)"))

    class Meta:
        ordering = ["municipality_id", "rank"]
        constraints = [models.UniqueConstraint(fields=["municipality", "rank"], name="unique_ladder_rank")]

    def __str__(self) -> str:
        return f"{self.rank}. {self.name}"

    def decider_pairs(self) -> set[tuple[str, str]]:
        return {(d["role"], d["kind"]) for d in self.deciders}

    def deciders_display(self) -> str:
        return ", ".join(f"{Role(d['role']).label} ({OrganisationKind(d['kind']).label})" for d in self.deciders)


class Thuiszitter(models.Model):
    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="thuiszitter_periods")
    kind = models.CharField(_("kind"), max_length=10, choices=ThuiszitterKind.choices)
    authorised = models.BooleanField(_("absence authorised or exempted"), default=False)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    started_on = models.DateField(_("at home since"))
    ended_on = models.DateField(_("back at school on"), null=True, blank=True)
    end_note = models.TextField(_("how it ended"), blank=True)
    school = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    signal = models.ForeignKey(
        "attendance.ThresholdSignal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)
    #: The rung the case is on now, its deadline, and whether that rung has decided.
    level = models.ForeignKey(EscalationLevel, null=True, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField(null=True, blank=True)
    decided = models.BooleanField(default=False)
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=models.Q(ended_on__isnull=True), name="one_open_thuiszitter_period"
            )
        ]

    def days_at_home(self, today: date | None = None) -> int:
        end = self.ended_on or today or timezone.localdate()
        return max((end - self.started_on).days, 0)

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class EscalationStep(models.Model):
    """The case reached a rung: by hand (with a reason) or by itself when the rung below let its deadline pass."""

    thuiszitter = models.ForeignKey(Thuiszitter, on_delete=models.CASCADE, related_name="steps")
    level = models.ForeignKey(EscalationLevel, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField()
    automatic = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class Outcome(models.TextChoices):
    PLACE_FOUND = "place", _("A school place is found")
    CARE_STARTS = "care", _("Youth care starts")
    ARRANGEMENT = "arrangement", _("Combined education and care arrangement")
    EXEMPTION = "exemption", _("Exemption from school attendance")
    OTHER = "other", _("Other decision")


class EscalationDecision(models.Model):
    thuiszitter = models.ForeignKey(Thuiszitter, on_delete=models.CASCADE, related_name="decisions")
    level = models.ForeignKey(EscalationLevel, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    decision = models.TextField(_("decision"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    organisation_name = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]


class InterimArrangement(models.Model):
    """Help that starts now while the parties settle who pays ("never a child at home because funding is unclear")."""

    thuiszitter = models.ForeignKey(Thuiszitter, on_delete=models.CASCADE, related_name="interim_arrangements")
    description = models.TextField(_("what starts"))
    provided_by = models.CharField(_("who provides it"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    payment_pending_between = models.CharField(_("payment is settled between"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]


class LeerplichtVisit(models.Model):
    """The leerplichtambtenaar visits every thuiszitter at least once a year."""

    thuiszitter = models.ForeignKey(Thuiszitter, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("visited on"))
    note = models.TextField(_("note"), blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["visited_on", "id"]
