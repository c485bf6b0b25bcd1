"""Synthetic casework: every workflow state occurs, most closed cases are solved in school, help brought in
gives the provider's contact access to that child only, and a second run adds nothing.

The tests here build a demo of their own (or none); the tests that share one set of pupils, built once per module,
are in test_casework_pupils.py."""

from __future__ import annotations

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.db import models
from django.utils import timezone

from rondom.demo import absence, casework, data, feedback
from rondom.demo import opp as demo_opp
from rondom.registry.models import Child
from rondom.schoolcalendar.models import SchoolHoliday
from tests.factories import ChildFactory, GuardianshipFactory

pytestmark = pytest.mark.django_db


AMSTERDAM = ZoneInfo("Europe/Amsterdam")


# Fields that are meant to lie ahead: deadlines, planned dates, the end of a validity.
MEANT_FOR_LATER = {"valid_until", "decision_due", "until", "due", "next_evaluation", "ends_on", "due_on", "deadline"}
MEANT_FOR_LATER |= {"expires_at", "next_due"}
#: Fields of one model that are planned ahead: a support-team meeting's day (issue 14, point 6: next week's meeting).
PLANNED_AHEAD = {"cases.Meeting.date"}


@pytest.mark.parametrize("today", [date(2026, 11, 29), date(2028, 2, 29)])
def test_help_brought_in_was_asked_contacted_and_joined_before_today(today: date) -> None:
    for seed in range(2000):  # every draw of the generator, not the one that happens to come up
        requested, first_contact, joined = casework.help_timeline(random.Random(seed), today)
        assert requested < first_contact < joined < today, seed


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 29, 23, 50, tzinfo=AMSTERDAM),  # the evening main went red
        datetime(2027, 7, 20, 3, 10, tzinfo=AMSTERDAM),  # a summer-holiday night
        datetime(2028, 2, 29, 5, 30, tzinfo=AMSTERDAM),  # a leap day early in the morning
    ],
)
def test_no_demo_fact_lies_in_the_future_of_the_day_it_is_built_for(moment: datetime) -> None:
    """Whatever the day and hour, the demo holds no event after its "today"; only deadlines lie ahead."""
    with time_machine.travel(moment, tick=False):
        today = timezone.localdate()
        data.load(today)
        schools = list(Child.objects.values_list("school", flat=True).distinct())
        from rondom.accounts.models import Organisation

        for i in range(600):
            child = ChildFactory(school=Organisation.objects.get(pk=schools[i % len(schools)]))
            GuardianshipFactory(child=child)
        casework.generate(random.Random(2026), today=today)
        demo_opp.generate(random.Random(2026), today)
        absence.generate(random.Random(2026), today)
        feedback.generate(random.Random(2026), today)
        now = timezone.now()
    late: list[str] = []
    for model in apps.get_models():
        if not model.__module__.startswith("rondom") or model is SchoolHoliday:  # the calendar plans ahead
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.DateField) or field.name in MEANT_FOR_LATER:
                continue
            if f"{model._meta.label}.{field.name}" in PLANNED_AHEAD:
                continue
            limit: date | datetime = now if isinstance(field, models.DateTimeField) else today
            count = model._default_manager.filter(**{f"{field.name}__gt": limit}).count()
            if count:
                late.append(f"{model._meta.label}.{field.name}: {count}")
    assert late == []
