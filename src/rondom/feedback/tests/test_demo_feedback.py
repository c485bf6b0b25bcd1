"""Demo feedback: answers only by people who may give them, ratings only of providers the school worked with, and a
second run adds nothing."""

from __future__ import annotations

import random

import pytest

from rondom.accounts.models import Organisation
from rondom.cases.models import HelpRequest
from rondom.demo import casework, data
from rondom.demo import feedback as demo_feedback
from rondom.feedback.models import FeedbackResponse, ProviderRating
from rondom.registry.models import Child
from tests.factories import ChildFactory, GuardianshipFactory
from tests.shared_data import FAST_PASSWORD_HASHERS

pytestmark = pytest.mark.django_db


def test_demo_feedback_fits_the_rules_and_is_idempotent(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS  # the demo logins' passwords: not what this test is about
    data.load()
    schools = list(Organisation.objects.filter(kind="school"))
    for i in range(400):
        GuardianshipFactory(child=ChildFactory(school=schools[i % len(schools)]))
    casework.generate(random.Random(7))
    counts = demo_feedback.generate(random.Random(7))
    assert counts["feedback_answers"] > 10 and counts["provider_ratings"] > 0
    assert demo_feedback.generate(random.Random(7)) == {}
    for answer in FeedbackResponse.objects.select_related("plan__child"):
        child = answer.plan.child
        assert answer.school_id == child.school_id and 1 <= answer.helps <= 5
        if answer.respondent == "parent":
            assert child.guardianships.filter(user_id=answer.answered_by_id, has_authority=True).exists()
        elif answer.respondent == "youth":
            assert child.youth_account_id == answer.answered_by_id and child.age_on(answer.round) >= 12
    for rating in ProviderRating.objects.all():
        assert rating.provider.kind == "provider"
        assert HelpRequest.objects.filter(case__team__school=rating.school, provider=rating.provider).exists()
    assert Child.objects.count() > 400
