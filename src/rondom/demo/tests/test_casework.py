"""Synthetic casework: every workflow state occurs, most closed cases are solved in school, help brought in
gives the provider's contact access to that child only, and a second run adds nothing."""

from __future__ import annotations

import random

import pytest

from rondom.access import policy
from rondom.cases.models import Case, HelpRequest, Plan
from rondom.cases.workflow import State
from rondom.demo import casework, data
from rondom.registry.models import Child
from tests.factories import ChildFactory, GuardianshipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupils():  # type: ignore[no-untyped-def]
    data.load()
    schools = list(Child.objects.values_list("school", flat=True).distinct())
    from rondom.accounts.models import Organisation

    for i in range(600):
        child = ChildFactory(school=Organisation.objects.get(pk=schools[i % len(schools)]))
        GuardianshipFactory(child=child)


def test_casework_covers_the_workflow_and_is_idempotent(pupils) -> None:  # type: ignore[no-untyped-def]
    report = casework.generate(random.Random(7))
    assert report.counts["cases"] > 20
    states = set(Case.objects.values_list("status__state", flat=True))
    assert {State.REGISTERED, State.PLAN_ACTIVE, State.CLOSED} <= states
    assert casework.generate(random.Random(7)).counts == {}
    assert Case.objects.count() == report.counts["cases"]


def test_plans_with_treatment_hold_two_education_goals(pupils) -> None:  # type: ignore[no-untyped-def]
    casework.generate(random.Random(7))
    for plan in Plan.objects.filter(includes_treatment=True):
        assert sum(1 for g in plan.content["goals"] if g["domain"] == "school") >= 2


def test_help_brought_in_opens_that_child_to_the_contact_only(pupils) -> None:  # type: ignore[no-untyped-def]
    casework.generate(random.Random(7))
    joined = HelpRequest.objects.filter(kind="bring_in", joined_at__isnull=False, grant__isnull=False).first()
    assert joined is not None
    contact = joined.contact.user  # type: ignore[union-attr]
    assert policy.decide(contact, joined.case.child, "read", "youth_care").allowed
    visible = set(policy.children_in_scope(contact).values_list("pk", flat=True))
    grants = set(HelpRequest.objects.filter(contact__user=contact).values_list("case__child", flat=True))
    assert visible <= grants


def test_the_same_seed_gives_the_same_casework(pupils) -> None:  # type: ignore[no-untyped-def]
    from django.db import transaction

    def run(seed: int) -> list[tuple[int, str]]:
        with transaction.atomic():
            casework.generate(random.Random(seed))
            result = sorted(Case.objects.values_list("child_id", "status__state"))
            transaction.set_rollback(True)
        return result

    first = run(11)
    assert first and run(11) == first
    assert run(12) != first
