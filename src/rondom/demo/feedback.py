"""Demo feedback: short questionnaires answered at evaluations of the demo plans (parents, youths of 12+, teachers)
and each school's ratings of the providers it worked with, so the pages and the monitoring have figures.

Answers go to existing plans only, by the people who may give them: a parent with authority, the youth's own account
(12 or older), and a teacher, intern begeleider or zorgcoördinator of the child's school. The synthetic schools of the
Zwolle population have no staff logins: their teachers' answers have no `answered_by`, as after a teacher has left.
Deterministic from the random generator it is given; idempotent (runs once per database); bulk writes."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from rondom.accounts.models import Membership, User
from rondom.accounts.roles import OrganisationKind, Role
from rondom.cases.models import HelpRequest, Plan
from rondom.core.schoolyear import SchoolYear
from rondom.demo.data import LOGINS
from rondom.feedback.models import FeedbackResponse, ProviderRating, Respondent
from rondom.registry.models import Guardianship

#: Share of plans with answers from an earlier evaluation round, and per respondent the chance they answered.
ANSWERED_PLANS = 0.6
ANSWER_RATE: dict[str, float] = {Respondent.PARENT: 0.8, Respondent.YOUTH: 0.6, Respondent.TEACHER: 0.7}
COMMENTS: dict[str, list[str]] = {
    Respondent.PARENT: ["Thuis gaat het rustiger.", "We merken nog weinig verschil.", "Fijn dat school meedenkt.", ""],
    Respondent.YOUTH: ["Het gaat beter in de klas.", "Ik vind het nog moeilijk.", ""],
    Respondent.TEACHER: ["Werkt geconcentreerder.", "Nog vaak onrustig na de pauze.", "Vraagt vaker om hulp.", ""],
}
#: Staff who answer as teacher, in order of preference.
TEACHER_PREFERENCE = [Role.TEACHER, Role.INTERN_BEGELEIDER, Role.ZORGCOORDINATOR]
RATERS = (Role.INTERN_BEGELEIDER, Role.ZORGCOORDINATOR)
FAMILY_LOGINS = [login.username for login in LOGINS if login.organisation is None]


def generate(rng: random.Random, today: date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    if FeedbackResponse.objects.exists() or ProviderRating.objects.exists():
        return {}
    with transaction.atomic():
        answers = _answers(rng, today)
        ratings = _ratings(rng, today)
    return {"feedback_answers": answers, "provider_ratings": ratings}


def _staff(roles: list[str]) -> dict[int, int]:
    """Per school the user who answers (or rates) for it: the first of `roles` in order of preference."""
    found: dict[int, tuple[int, int]] = {}
    for school_id, user_id, role in (
        Membership.objects.filter(role__in=roles, organisation__kind=OrganisationKind.SCHOOL)
        .values_list("organisation_id", "user_id", "role")
        .order_by("pk")
    ):
        rank = roles.index(role)
        if school_id not in found or rank < found[school_id][0]:
            found[school_id] = (rank, user_id)
    return {school_id: user_id for school_id, (_rank, user_id) in found.items()}


def _answers(rng: random.Random, today: date) -> int:
    plans = list(
        Plan.objects.filter(version__gt=0, child__school__isnull=False, child__anonymised_at__isnull=True)
        .select_related("child")
        .order_by("pk")
    )
    parents: dict[int, int] = {}
    for child_id, user_id in (
        Guardianship.objects.filter(has_authority=True, child_id__in=[p.child_id for p in plans])
        .values_list("child_id", "user_id")
        .order_by("pk")
    ):
        parents.setdefault(child_id, user_id)
    teachers = _staff(list(TEACHER_PREFERENCE))
    family_logins = set(User.objects.filter(username__in=FAMILY_LOGINS).values_list("pk", flat=True))
    rows = []
    for plan in plans:
        child = plan.child
        # The hand-written stories of the demo families (data.py) always have answers; the others at random.
        story = bool({parents.get(child.pk), child.youth_account_id} & family_logins)
        if not story and rng.random() >= ANSWERED_PLANS:
            continue
        round_ = today - timedelta(days=rng.randint(20, 110))  # an earlier evaluation talk
        answered_on = round_ - timedelta(days=rng.randint(0, 5))
        who: list[tuple[str, int | None]] = []
        if child.pk in parents:
            who.append((Respondent.PARENT, parents[child.pk]))
        youth = child.youth_account_id
        if youth is not None and child.age_on(round_) >= 12:
            who.append((Respondent.YOUTH, youth))
        who.append((Respondent.TEACHER, teachers.get(child.school_id or 0)))
        for respondent, answerer in who:
            if not story and rng.random() >= ANSWER_RATE[respondent]:
                continue
            rows.append(
                FeedbackResponse(
                    plan=plan,
                    school_id=child.school_id,
                    respondent=respondent,
                    answered_by_id=answerer,
                    round=round_,
                    answered_on=answered_on,
                    helps=rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 5, 3])[0],
                    wellbeing=None if rng.random() < 0.15 else rng.randint(4, 9),
                    comment=rng.choice(COMMENTS[respondent]),
                )
            )
    FeedbackResponse.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _ratings(rng: random.Random, today: date) -> int:
    """Every school rates the providers it worked with for this school year; some also rated last year."""
    worked = sorted(
        set(
            HelpRequest.objects.filter(provider__kind=OrganisationKind.PROVIDER).values_list(
                "case__team__school_id", "provider_id"
            )
        )
    )
    raters = _staff(list(RATERS))
    this_year = SchoolYear.of(today)
    rows = []
    for school_id, provider_id in worked:
        years = [this_year] + ([SchoolYear(this_year.start_year - 1)] if rng.random() < 0.5 else [])
        for year in years:
            rows.append(
                ProviderRating(
                    school_id=school_id,
                    provider_id=provider_id,
                    school_year=str(year),
                    score=rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 5, 3])[0],
                    comment=rng.choice(
                        ["Korte lijnen met de school.", "Lange wachttijd.", "Kijkt mee in de klas.", ""]
                    ),
                    rated_by_id=raters.get(school_id),
                )
            )
    ProviderRating.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
