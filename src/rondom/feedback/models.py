"""Feedback at plan evaluations from parents, youths and teachers, and schools' ratings of the added value of each
youth-care provider. Both feed the monitoring indicators (welbevinden, "helpt de hulp?", provider value)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Respondent(models.TextChoices):
    PARENT = "parent", _("Parent")
    YOUTH = "youth", _("Youth")
    TEACHER = "teacher", _("Teacher / mentor")


class FeedbackResponse(models.Model):
    """One short questionnaire, answered by one person at one evaluation round of a child's plan."""

    plan = models.ForeignKey("cases.Plan", on_delete=models.CASCADE, related_name="feedback")
    #: The child's school when the answer was given: the monitoring counts it there, even after a move.
    school = models.ForeignKey("accounts.Organisation", null=True, on_delete=models.SET_NULL, related_name="+")
    respondent = models.CharField(_("answered as"), max_length=10, choices=Respondent.choices)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    #: The evaluation round (the plan's evaluation date) this answer belongs to: one answer per person per round.
    round = models.DateField(_("evaluation round"))
    answered_on = models.DateField(_("answered on"))
    helps = models.PositiveSmallIntegerField(_("the help contributes to the goals (1-5)"))
    wellbeing = models.PositiveSmallIntegerField(_("how things are going (1-10)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "answered_by", "round"], name="one_answer_per_round"),
            models.CheckConstraint(condition=models.Q(helps__gte=1, helps__lte=5), name="helps_1_to_5"),
            models.CheckConstraint(
                condition=models.Q(wellbeing__isnull=True) | models.Q(wellbeing__gte=1, wellbeing__lte=10),
                name="wellbeing_1_to_10",
            ),
        ]
        indexes = [models.Index(fields=["school", "answered_on"], name="feedback_school_date")]


class ProviderRating(models.Model):
    """A school's rating of what a youth-care provider added for the school in one school year."""

    school = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="ratings")
    school_year = models.CharField(_("school year"), max_length=9)  # "2026-2027"
    score = models.PositiveSmallIntegerField(_("added value for the school (1-5)"))
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    rated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "provider", "school_year"], name="one_rating_per_year"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_1_to_5"),
        ]
