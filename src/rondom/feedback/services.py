"""Feedback at plan evaluations and schools' ratings of providers: who may answer as what, the evaluation round an
answer belongs to, and writing it with its access-log row in one transaction.

Who answers as what:
- a parent: only for a child they open in the portal as parent with authority (rondom.portal.services, the same age
  and authority rules as everywhere: under 16, or 16+ who agreed);
- the youth: only for their own plan, from 12 (as the portal allows);
- a teacher / mentor: a teacher, intern begeleider or zorgcoördinator whose role at the child's school, or whose seat
  in the child's support team, lets them read the child's support data (rondom.access.policy). The emergency button
  is no ground to answer a questionnaire.

The round (rule): the plan's next evaluation date when it lies at most ROUND_WINDOW_DAYS days before or after today;
otherwise a round without a set date: the latest such round of this plan that started at most ROUND_WINDOW_DAYS days
ago (so answers given around the same talk are counted together), or else today. One answer per person per round:
answering again in the same round changes the earlier answer.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import log, policy, tasks
from rondom.access.policy import Decision
from rondom.access.rules import Ground
from rondom.accounts.models import Organisation, User
from rondom.cases.models import HelpRequest, Plan
from rondom.core.categories import Action, DataCategory
from rondom.core.roles import OrganisationKind
from rondom.core.schoolyear import SchoolYear
from rondom.portal import services as portal
from rondom.registry.models import Child

from .models import FeedbackResponse, ProviderRating, Respondent

ROUND_WINDOW_DAYS = 30
HELPS_RANGE = (1, 5)
WELLBEING_RANGE = (1, 10)
SCORE_RANGE = (1, 5)
MAX_COMMENT = 2000
#: Grounds on which a teacher knows the child: their role at the child's school, or a seat in its support team.
TEACHER_GROUNDS = frozenset({Ground.SCHOOL_ROLE, Ground.SUPPORT_TEAM})


# --- The evaluation round -----------------------------------------------------------------------------------


def current_round(plan: Plan, today: date | None = None) -> date:
    """The evaluation round an answer given today belongs to (see the module's rule)."""
    today = today or timezone.localdate()
    window = timedelta(days=ROUND_WINDOW_DAYS)
    if plan.next_evaluation is not None and abs(plan.next_evaluation - today) <= window:
        return plan.next_evaluation
    recent = (
        FeedbackResponse.objects.filter(plan=plan, round__gte=today - window, round__lte=today)
        .order_by("-round")
        .values_list("round", flat=True)
        .first()
    )
    return recent or today


# --- Who may answer as what ---------------------------------------------------------------------------------


def teacher_decision(user: User, child: Child) -> Decision:
    """The ground on which `user` answers as teacher / mentor for `child`: a teacher, intern begeleider or
    zorgcoördinator who may read the child's support data at school or in its support team. Refused otherwise."""
    bases = tuple(policy.iter_bases(user, child))
    for basis in bases:
        if (
            basis.ground in TEACHER_GROUNDS
            and basis.membership is not None
            and tasks.held_by(basis.membership, "answer_as_teacher")
            and "r" in basis.permissions.get(DataCategory.SUPPORT, "")
        ):
            return policy.decide_with((basis,), Action.READ, DataCategory.SUPPORT)
    raise PermissionDenied(
        _(
            "Only a teacher, mentor, intern begeleider or zorgcoördinator who may read this child's support at "
            "school can answer as teacher."
        )
    )


def family_decision(user: User, child: Child, respondent: str) -> Decision:
    """A parent with authority who may open the child in the portal, or the youth (12+) for the own plan."""
    for found in portal.family_children(user):
        if found.child.pk == child.pk and found.capacity == respondent:
            return found.decision
    if respondent == Respondent.YOUTH:
        raise PermissionDenied(_("Only the youth (12 or older) can answer as youth, and only for their own plan."))
    raise PermissionDenied(_("A parent can only answer for a child they have parental authority for and may see."))


def _decision_for(user: User, child: Child, respondent: str) -> Decision:
    if respondent == Respondent.TEACHER:
        return teacher_decision(user, child)
    if respondent in (Respondent.PARENT, Respondent.YOUTH):
        return family_decision(user, child, respondent)
    raise ValidationError({"respondent": _("Answer as parent, youth or teacher.")})


# --- Answering ------------------------------------------------------------------------------------------------


def _whole_number(value: Any, field: str, low: int, high: int, errors: dict[str, str], message: str) -> int | None:
    if isinstance(value, bool):
        errors[field] = message
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = message
        return None
    if (isinstance(value, float) and value != number) or not low <= number <= high:
        errors[field] = message
        return None
    return number


def own_answer(user: User, plan: Plan, today: date | None = None) -> FeedbackResponse | None:
    """The user's answer in the current round, to show (and change) on the questionnaire."""
    return FeedbackResponse.objects.filter(plan=plan, answered_by=user, round=current_round(plan, today)).first()


def answer(
    user: User,
    plan: Plan,
    respondent: str,
    helps: Any,
    wellbeing: Any,
    comment: str,
    today: date | None = None,
) -> FeedbackResponse:
    """Record one person's answer in the plan's current evaluation round; a second answer in the same round changes
    the first. Refused (PermissionDenied) when the user may not answer as `respondent` for this child; bad input
    raises ValidationError per field. Nothing is written unless everything is right; the answer and its access-log
    row are written in one transaction."""
    today = today or timezone.localdate()
    child = plan.child
    decision = _decision_for(user, child, respondent)
    if plan.version == 0:
        raise ValidationError(_("There is no plan yet."))
    errors: dict[str, str] = {}
    helps_value = _whole_number(helps, "helps", *HELPS_RANGE, errors, _("Choose a number from 1 to 5."))
    wellbeing_value = None
    if wellbeing not in (None, ""):
        wellbeing_value = _whole_number(
            wellbeing, "wellbeing", *WELLBEING_RANGE, errors, _("Choose a number from 1 to 10, or leave it open.")
        )
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("Please keep it shorter (at most %(n)d characters).") % {"n": MAX_COMMENT}
    if errors or helps_value is None:
        raise ValidationError(errors)
    round_ = current_round(plan, today)
    with transaction.atomic():
        existing = (
            FeedbackResponse.objects.select_for_update().filter(plan=plan, answered_by=user, round=round_).first()
        )
        response = existing or FeedbackResponse(plan=plan, answered_by=user, round=round_)
        response.school_id = child.school_id
        response.respondent = respondent
        response.answered_on = today
        response.helps = helps_value
        response.wellbeing = wellbeing_value
        response.comment = comment
        response.save()
        action = Action.UPDATE if existing else Action.CREATE
        log.log_change(
            user,
            decision,
            child,
            action=action,
            category=DataCategory.SUPPORT,
            rule="feedback_answer",
            object_type="feedback_response",
            object_id=response.pk,
        )
    return response


def answers_for(plan: Plan) -> QuerySet[FeedbackResponse]:
    """Every answer on this plan, newest round first (for the team that holds the evaluation)."""
    return FeedbackResponse.objects.filter(plan=plan).select_related("answered_by").order_by("-round", "respondent")


# --- Provider ratings -------------------------------------------------------------------------------------------


def rating_schools(user: User) -> list[Organisation]:
    """The schools where the user holds `rate_providers` (access.tasks: intern begeleider or zorgcoördinator)."""
    found = {m.organisation_id: m.organisation for m in tasks.memberships(user, "rate_providers")}
    return sorted(found.values(), key=lambda o: o.name)


def worked_with(school: Organisation) -> QuerySet[Organisation]:
    """The youth-care providers the school worked with: a request for help (brought in or referred) of a case of
    this school, in any year; with the number of those requests."""
    return (
        Organisation.objects.filter(kind=OrganisationKind.PROVIDER, help_requests__case__team__school=school)
        .annotate(requests=Count("help_requests", distinct=True))
        .order_by("name")
    )


def rate_provider(
    user: User, school: Organisation, provider: Organisation, school_year: str, score: Any, comment: str
) -> ProviderRating:
    """The school's rating of what a provider added for the school in one school year; rating again in the same
    year changes it. Only the intern begeleider or zorgcoördinator of that school, only for a provider the school
    worked with."""
    if school not in rating_schools(user):
        raise PermissionDenied(
            _("Only the intern begeleider or zorgcoördinator of this school can rate providers for it.")
        )
    errors: dict[str, str] = {}
    if provider.kind != OrganisationKind.PROVIDER:
        errors["provider"] = _("Only youth-care providers are rated.")
    elif not HelpRequest.objects.filter(case__team__school=school, provider=provider).exists():
        errors["provider"] = _(
            "Your school has not worked with this provider (no request for help), so it cannot rate it."
        )
    try:
        year = SchoolYear.parse(school_year)
    except ValueError:
        errors["school_year"] = _("Write the school year as 2026-2027.")
    else:
        if year.start_year > SchoolYear.current().start_year:
            errors["school_year"] = _("A school year that has not started yet cannot be rated.")
    score_value = _whole_number(score, "score", *SCORE_RANGE, errors, _("Choose a number from 1 to 5."))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("Please keep it shorter (at most %(n)d characters).") % {"n": MAX_COMMENT}
    if errors or score_value is None:
        raise ValidationError(errors)
    with transaction.atomic():
        rating, _created = ProviderRating.objects.update_or_create(
            school=school,
            provider=provider,
            school_year=str(year),
            defaults={"score": score_value, "comment": comment, "rated_by": user},
        )
    return rating


def ratings_of(school: Organisation) -> QuerySet[ProviderRating]:
    return (
        ProviderRating.objects.filter(school=school)
        .select_related("provider", "rated_by")
        .order_by("-school_year", "provider__name")
    )
