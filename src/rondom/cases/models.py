"""Signal -> case in the support team -> one plan -> erbij halen -> evaluation -> close."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rondom.consent.backed import ConsentBacked, ConsentBackedQuerySet

from .workflow import State


class SignalSource(models.TextChoices):
    TEACHER = "teacher", _("Teacher / mentor")
    PARENT = "parent", _("Parent")
    WIJKTEAM = "wijkteam", _("Wijkteam")
    YOUTH_DOCTOR = "youth_doctor", _("Youth doctor / nurse")
    GP = "gp", _("General practitioner")
    YOUTH = "youth", _("The youth")


class Concern(models.TextChoices):
    LEARNING = "learning", _("Learning")
    BEHAVIOUR = "behaviour", _("Behaviour")
    SOCIAL_EMOTIONAL = "social_emotional", _("Social-emotional")
    ATTENDANCE = "attendance", _("Attendance")
    HOME = "home", _("Home situation")
    HEALTH = "health", _("Health")
    SAFETY = "safety", _("Safety")


class Signal(models.Model):
    """A worry about a child (zorgsignaal). The conversation with parents and child comes before anything else."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="signals")
    source = models.CharField(_("raised by"), max_length=20, choices=SignalSource.choices)
    concerns = models.JSONField(_("concerns"), default=list)
    description = models.TextField(_("what worries you"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    conversation_on = models.DateField(_("conversation with parents and child on"), null=True, blank=True)
    conversation_notes = models.TextField(_("what was said"), blank=True)
    conversation_with_child = models.BooleanField(_("the child took part"), default=False)
    #: Who recorded the conversation (the case page's timeline says who); empty for conversations recorded before.
    conversation_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at"]


class SupportTeam(models.Model):
    """The school's ondersteuningsteam (ZAT / MDO): internal and external members."""

    school = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="support_team")
    members = models.ManyToManyField("accounts.Membership", blank=True, related_name="support_teams")

    def __str__(self) -> str:
        return f"Ondersteuningsteam {self.school}"


class Case(models.Model):
    """A child's question for help in the support team. The current state is the latest CaseStatus row."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="cases")
    team = models.ForeignKey(SupportTeam, on_delete=models.PROTECT, related_name="cases")
    signal = models.ForeignKey(Signal, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    question = models.TextField(_("question for the team"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)
    decision_due = models.DateField(_("decision due"))
    status = models.ForeignKey("CaseStatus", null=True, on_delete=models.PROTECT, related_name="+")
    #: Closed without bringing in outside help: the school's own support structure solved it.
    solved_within_school = models.BooleanField(null=True)

    class Meta:
        ordering = ["-registered_at"]

    @property
    def state(self) -> str:
        return self.status.state if self.status else State.REGISTERED


class CaseStatus(models.Model):
    """One step in a case's history. Rows are only ever added."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    state = models.CharField(max_length=20, choices=State.choices)
    reason = models.TextField(blank=True)
    until = models.DateField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]


class Meeting(models.Model):
    """A meeting of the support team: when, where, who chairs it and who is invited to the whole meeting (each
    case on its agenda invites its own people as well, `AgendaItem.invited`)."""

    team = models.ForeignKey(SupportTeam, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("date"))
    #: Empty only on meetings planned before times were asked (migration 0004); every new meeting has one.
    starts_at = models.TimeField(_("start time"), null=True, blank=True)
    ends_at = models.TimeField(_("end time"), null=True, blank=True)
    #: A room, an address, or the text of an online link.
    place = models.CharField(_("place or online link"), max_length=300, blank=True)
    chair = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("chair"),
    )
    invited = models.ManyToManyField("accounts.Membership", blank=True, related_name="+", verbose_name=_("invited"))
    planned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    planned_at = models.DateTimeField(null=True, auto_now_add=True)

    class Meta:
        ordering = ["date", "starts_at", "pk"]


class AgendaItem(models.Model):
    """A case on a meeting's agenda. Only members who know the child, plus the parents (and the youth), are
    invited; the minutes are visible to those present."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agenda_items")
    invited = models.ManyToManyField("accounts.Membership", blank=True, related_name="+")
    parents_invited = models.BooleanField(default=True)
    youth_invited = models.BooleanField(default=False)
    present = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    minutes = models.TextField(blank=True)
    #: Optimistic concurrency of the minutes (rondom.versioning): a change names the version it read.
    version = models.PositiveIntegerField(default=1)


class AgendaDecision(models.Model):
    """One decision the team took on a case in a meeting, in its own words. Rows are only ever added."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]


class ActionItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    #: The meeting's agenda item the action was agreed in (None: agreed outside a meeting).
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(null=True, auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["due", "pk"]


class FamilyPlan(models.Model):
    """Links the plans of siblings into one family plan (one child, one family, one plan)."""

    created_at = models.DateTimeField(auto_now_add=True)


class Plan(models.Model):
    """One plan per child. Its content (goals) is versioned: every save adds a PlanVersion."""

    child = models.OneToOneField("registry.Child", on_delete=models.CASCADE, related_name="plan")
    family_plan = models.ForeignKey(FamilyPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans")
    includes_treatment = models.BooleanField(_("includes treatment by a youth-care provider"), default=False)
    content = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=0)
    next_evaluation = models.DateField(_("next evaluation"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: Why this plan is an ontwikkelingsperspectief (OPP; WPO art. 40a, WVO 2020 art. 8.10, WEC art. 41a): the
    #: school marked extra support, or the child is in special education. Empty: a plan without OPP parts. The OPP
    #: parts themselves live in `content["opp"]` so they are versioned with the goals (rondom.opp.sections).
    opp_basis = models.CharField(_("OPP because of"), max_length=20, blank=True)
    opp_since = models.DateField(_("OPP since"), null=True, blank=True)


class PlanVersion(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    includes_treatment = models.BooleanField()
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="unique_plan_version")]


class PlanAgreement(models.Model):
    """A parent's agreement with a plan version, or the youth's own view in their own words."""

    class Capacity(models.TextChoices):
        PARENT = "parent", _("Parent")
        YOUTH = "youth", _("Youth")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveIntegerField()
    capacity = models.CharField(max_length=10, choices=Capacity.choices)
    person_name = models.CharField(max_length=200)
    agrees = models.BooleanField()
    own_words = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)


class GoalEvaluation(models.Model):
    class Rater(models.TextChoices):
        PARENT = "parent", _("Parent")
        YOUTH = "youth", _("Youth")
        TEACHER = "teacher", _("Teacher")
        PROFESSIONAL = "professional", _("Professional")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="evaluations")
    goal_id = models.CharField(max_length=32)
    rater = models.CharField(max_length=20, choices=Rater.choices)
    score = models.PositiveSmallIntegerField()  # 1 (not at all) .. 5 (fully reached)
    #: The goal's measure at this evaluation (issue 16 "Progress per goal"): 0..10 on the scaling question, or the
    #: goal's own measure (its unit and aim are in the goal's `measure_*` keys, cases.measures). Empty: not measured.
    value = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    comment = models.TextField(blank=True)
    evaluated_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")


class ProviderContact(models.Model):
    """A provider's one named person for a school or a wijk (pilot agreement)."""

    provider = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="contacts_for")
    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="contact_for")
    school = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="provider_contacts"
    )
    wijk = models.ForeignKey("registry.Wijk", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(school__isnull=False) | models.Q(wijk__isnull=False), name="contact_has_area"
            )
        ]


class HelpRequest(ConsentBacked, models.Model):
    """Bringing in expertise (erbij halen) or, recorded as a different kind, a referral outside school."""

    class Kind(models.TextChoices):
        BRING_IN = "bring_in", _("Bring in (erbij halen)")
        REFERRAL = "referral", _("Referral outside school")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        SOON = "soon", _("Within a week")
        URGENT = "urgent", _("Urgent")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="help_requests")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="help_requests")
    contact = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="help_requests"
    )
    question = models.TextField()
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    consent = models.ForeignKey("consent.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    categories = models.JSONField(default=list)
    ends_on = models.DateField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    #: Declined by the contact, withdrawn, or ended with the case.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)
    grant = models.OneToOneField("access.AccessGrant", null=True, blank=True, on_delete=models.SET_NULL)

    objects = ConsentBackedQuerySet["HelpRequest"].as_manager()
    holder = "contact"

    @classmethod
    def holding_q(cls, now: datetime) -> models.Q:
        """An open request to bring someone in gives its contact access until it is joined or closed
        (cases.grounds.OpenRequestGround)."""
        return models.Q(kind=cls.Kind.BRING_IN, joined_at__isnull=True, closed_at__isnull=True, contact__isnull=False)

    class Meta:
        ordering = ["-requested_at"]


class SocialWorkActivity(models.Model):
    """A school social worker's activity, tagged with one of the three roles of school social work."""

    class Role(models.TextChoices):
        SHORT_SUPPORT = "short_support", _("Short support to child and parents")
        CONSULTATION = "consultation", _("Consultation and advice to teachers")
        BRING_IN_CARE = "bring_in_care", _("Bringing in specialised youth care")

    social_worker = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="activities")
    school = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities")
    role = models.CharField(max_length=20, choices=Role.choices)
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    date = models.DateField()
    description = models.TextField(blank=True)
