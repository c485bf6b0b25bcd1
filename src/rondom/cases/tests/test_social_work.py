"""The school social worker logs activities by role; a case closed without outside help counts as solved in school."""

from __future__ import annotations

import pytest

from rondom.cases.models import SocialWorkActivity
from tests.factories import MembershipFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def test_a_social_worker_logs_hours_per_role(login) -> None:  # type: ignore[no-untyped-def]
    smw = MembershipFactory(organisation=OrganisationFactory(kind="provider"), role="school_social_worker")
    school = SchoolFactory()
    client = login(smw.user)
    assert client.get("/schoolmaatschappelijk-werk/").status_code == 200
    response = client.post(
        "/schoolmaatschappelijk-werk/",
        {"school": school.pk, "role": "consultation", "hours": "1.5", "date": "2026-11-20", "description": "Groep 6"},
    )
    assert response.status_code == 302
    activity = SocialWorkActivity.objects.get()
    assert (activity.role, float(activity.hours), activity.school) == ("consultation", 1.5, school)


def test_hours_must_be_sensible_and_nothing_is_written_otherwise(login) -> None:  # type: ignore[no-untyped-def]
    smw = MembershipFactory(organisation=OrganisationFactory(kind="provider"), role="school_social_worker")
    response = login(smw.user).post(
        "/schoolmaatschappelijk-werk/",
        {"school": SchoolFactory().pk, "role": "consultation", "hours": "30", "date": "2026-11-20"},
    )
    assert response.status_code == 400 and not SocialWorkActivity.objects.exists()


def test_only_school_social_workers_have_a_log(login) -> None:  # type: ignore[no-untyped-def]
    teacher = MembershipFactory(role="teacher")
    assert login(teacher.user).get("/schoolmaatschappelijk-werk/").status_code == 403
