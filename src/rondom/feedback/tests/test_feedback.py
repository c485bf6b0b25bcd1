"""Feedback at plan evaluations: who may answer as what, one answer per person per round, clear errors that write
nothing, an access-log row with every answer; and the school's provider ratings with their downloads."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rondom.access.models import TeamMembership
from rondom.audit.models import AccessLogEntry
from rondom.cases import services as cases
from rondom.cases.models import HelpRequest, Plan, Signal
from rondom.core.schoolyear import SchoolYear
from rondom.feedback import services
from rondom.feedback.models import FeedbackResponse, ProviderRating
from rondom.portal.readability import flesch_douma, main_text
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    OrganisationFactory,
    SchoolFactory,
    UserFactory,
    born_years_ago,
    teacher_of,
)

pytestmark = pytest.mark.django_db


def make_plan(child, next_evaluation: date | None = None) -> Plan:  # type: ignore[no-untyped-def]
    goals = [{"id": "g1", "domain": "school", "description": "Weer mee doen in de klas", "target": "Elke dag"}]
    return Plan.objects.create(child=child, version=1, content={"goals": goals}, next_evaluation=next_evaluation)


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    child = ChildFactory(date_of_birth=born_years_ago(13))
    child.youth_account = UserFactory()
    child.save()
    parent = GuardianshipFactory(child=child).user
    teacher = teacher_of(child).user
    plan = make_plan(child, timezone.localdate() + timedelta(days=10))
    return {"child": child, "parent": parent, "youth": child.youth_account, "teacher": teacher, "plan": plan}


def logged(child, user, action: str) -> int:  # type: ignore[no-untyped-def]
    return AccessLogEntry.objects.filter(
        child_id=child.pk, user_id=user.pk, action=action, object_type="feedback_response"
    ).count()


# --- The service ------------------------------------------------------------------------------------------------


def test_a_parent_answers_for_their_own_child_with_a_log_row(world) -> None:  # type: ignore[no-untyped-def]
    response = services.answer(world["parent"], world["plan"], "parent", 4, 7, " Het gaat beter. ")
    assert (response.respondent, response.helps, response.wellbeing, response.comment) == (
        "parent",
        4,
        7,
        "Het gaat beter.",
    )
    assert response.round == world["plan"].next_evaluation and response.school_id == world["child"].school_id
    assert logged(world["child"], world["parent"], "create") == 1


def test_a_parent_without_authority_or_of_another_child_is_refused_and_nothing_is_written(world) -> None:  # type: ignore[no-untyped-def]
    no_authority = GuardianshipFactory(child=world["child"], has_authority=False).user
    other_parent = GuardianshipFactory().user
    for user in (no_authority, other_parent):
        with pytest.raises(PermissionDenied, match="parental authority"):
            services.answer(user, world["plan"], "parent", 4, None, "")
    # a parent cannot answer as the youth, nor as the teacher
    with pytest.raises(PermissionDenied, match="youth"):
        services.answer(world["parent"], world["plan"], "youth", 4, None, "")
    with pytest.raises(PermissionDenied, match="teacher"):
        services.answer(world["parent"], world["plan"], "teacher", 4, None, "")
    assert not FeedbackResponse.objects.exists()
    assert not AccessLogEntry.objects.filter(object_type="feedback_response").exists()


def test_a_youth_of_12_or_older_answers_for_the_own_plan_only(world) -> None:  # type: ignore[no-untyped-def]
    response = services.answer(world["youth"], world["plan"], "youth", 3, 6, "")
    assert response.respondent == "youth" and logged(world["child"], world["youth"], "create") == 1
    younger = ChildFactory(school=world["child"].school, date_of_birth=born_years_ago(11))
    younger.youth_account = UserFactory()
    younger.save()
    younger_plan = make_plan(younger)
    with pytest.raises(PermissionDenied, match="12 or older"):
        services.answer(younger.youth_account, younger_plan, "youth", 3, None, "")
    with pytest.raises(PermissionDenied):  # not somebody else's plan
        services.answer(world["youth"], younger_plan, "youth", 3, None, "")
    assert FeedbackResponse.objects.count() == 1


def test_teachers_and_school_support_staff_answer_as_teacher_only_with_a_ground(world) -> None:  # type: ignore[no-untyped-def]
    child, plan = world["child"], world["plan"]
    services.answer(world["teacher"], plan, "teacher", 2, 5, "Nog onrustig in de klas.")
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    services.answer(ib, plan, "teacher", 3, None, "")
    assert logged(child, world["teacher"], "create") == 1 and logged(child, ib, "create") == 1
    elsewhere = MembershipFactory(organisation=SchoolFactory(), role="teacher").user
    social_worker = MembershipFactory(organisation=child.school, role="school_social_worker").user
    for user in (elsewhere, social_worker):
        with pytest.raises(PermissionDenied, match="teacher"):
            services.answer(user, plan, "teacher", 3, None, "")
    assert FeedbackResponse.objects.count() == 2


def test_a_teacher_seated_in_the_support_team_may_answer(world) -> None:  # type: ignore[no-untyped-def]
    # A teacher of the school is seated in the team; the seat counts while the child is at that school.
    child = world["child"]
    seat = MembershipFactory(organisation=child.school, role="teacher")
    TeamMembership.objects.create(child=child, membership=seat)
    assert services.teacher_decision(seat.user, child).ground in ("school_role", "support_team")


def test_a_second_answer_in_the_same_round_replaces_the_first(world) -> None:  # type: ignore[no-untyped-def]
    plan, parent, today = world["plan"], world["parent"], timezone.localdate()
    first = services.answer(parent, plan, "parent", 2, 4, "eerst", today=today)
    second = services.answer(parent, plan, "parent", 5, None, "later", today=today + timedelta(days=3))
    assert first.pk == second.pk and FeedbackResponse.objects.count() == 1
    second.refresh_from_db()
    assert (second.helps, second.wellbeing, second.comment, second.answered_on) == (
        5,
        None,
        "later",
        today + timedelta(days=3),
    )
    assert logged(world["child"], parent, "create") == 1 and logged(world["child"], parent, "update") == 1


def test_the_round_is_the_evaluation_date_when_near_and_otherwise_shared_by_answers_close_together(world) -> None:  # type: ignore[no-untyped-def]
    plan, today = world["plan"], date(2026, 3, 2)
    plan.next_evaluation = today + timedelta(days=30)
    assert services.current_round(plan, today) == plan.next_evaluation
    plan.next_evaluation = today - timedelta(days=30)
    assert services.current_round(plan, today) == plan.next_evaluation
    plan.next_evaluation = today + timedelta(days=31)
    assert services.current_round(plan, today) == today
    plan.next_evaluation = None
    plan.save()
    services.answer(world["parent"], plan, "parent", 3, None, "", today=today)
    # A week later the teacher answers in the same round; two months later a new round starts.
    assert services.current_round(plan, today + timedelta(days=7)) == today
    services.answer(world["parent"], plan, "parent", 4, None, "", today=today + timedelta(days=7))
    assert FeedbackResponse.objects.count() == 1
    assert services.current_round(plan, today + timedelta(days=60)) == today + timedelta(days=60)


@pytest.mark.parametrize(
    ("helps", "wellbeing", "comment", "field"),
    [
        (0, None, "", "helps"),
        (6, None, "", "helps"),
        ("veel", None, "", "helps"),
        (3.5, None, "", "helps"),
        (None, None, "", "helps"),
        (3, 0, "", "wellbeing"),
        (3, 11, "", "wellbeing"),
        (3, None, "x" * 2001, "comment"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, helps, wellbeing, comment, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as exc:
        services.answer(world["parent"], world["plan"], "parent", helps, wellbeing, comment)
    assert exc.value.message_dict.get(field)
    assert not FeedbackResponse.objects.exists()
    assert not AccessLogEntry.objects.filter(object_type="feedback_response").exists()


def test_an_unknown_respondent_and_a_plan_without_version_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as exc:
        services.answer(world["parent"], world["plan"], "grandparent", 3, None, "")
    assert "respondent" in exc.value.message_dict
    draft = Plan.objects.create(child=ChildFactory(school=world["child"].school), version=0)
    GuardianshipFactory(child=draft.child, user=world["parent"])
    with pytest.raises(ValidationError, match="no plan yet"):
        services.answer(world["parent"], draft, "parent", 3, None, "")
    assert not FeedbackResponse.objects.exists()


# --- The pages --------------------------------------------------------------------------------------------------


def test_the_portal_questionnaire_saves_the_answer_and_goes_back_to_the_plan(world, login) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    client = login(world["parent"])
    url = f"/portaal/kind/{child.pk}/vragenlijst/"
    assert f'href="{url}"' in client.get(f"/portaal/kind/{child.pk}/").content.decode()
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Do you notice that the help contributes to the goals?" in html and 'for="id_comment"' in html
    assert AccessLogEntry.objects.filter(child_id=child.pk, object_type="feedback_questionnaire").count() == 1
    response = client.post(url, {"helps": "4", "wellbeing": "8", "comment": "Fijn"})
    assert response.status_code == 302 and response["Location"] == f"/portaal/kind/{child.pk}/"
    assert FeedbackResponse.objects.get().respondent == "parent"
    assert "You answered on" in client.get(url).content.decode()


def test_the_portal_questionnaire_ties_errors_to_their_fields(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["youth"])
    response = client.post(f"/portaal/kind/{world['child'].pk}/vragenlijst/", {"wellbeing": "12"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_helps_error"' in html and 'id="id_wellbeing_error"' in html
    assert 'aria-describedby="id_wellbeing_helptext id_wellbeing_error"' in html
    assert not FeedbackResponse.objects.exists()


def test_the_portal_questionnaire_is_404_without_a_ground_or_a_plan(world, login) -> None:  # type: ignore[no-untyped-def]
    stranger = GuardianshipFactory().user
    client = login(stranger)
    url = f"/portaal/kind/{world['child'].pk}/vragenlijst/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"helps": "4"}).status_code == 404
    own_without_plan = GuardianshipFactory(user=stranger).child
    assert client.get(f"/portaal/kind/{own_without_plan.pk}/vragenlijst/").status_code == 404
    assert not FeedbackResponse.objects.exists()
    assert not AccessLogEntry.objects.filter(child_id=world["child"].pk).exists()


def test_the_portal_questionnaire_reads_at_b1_level_in_dutch(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["parent"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    html = client.get(f"/portaal/kind/{world['child'].pk}/vragenlijst/").content.decode()
    score = flesch_douma(main_text(html))
    print("Flesch-Douma of the portal questionnaire:", round(score, 1))
    assert score >= 60


def test_a_teacher_answers_from_the_case_page(world, login) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    client = login(world["teacher"])
    url = f"/kinderen/{child.pk}/plan/vragenlijst/"
    assert f'href="{url}"' in client.get(f"/kinderen/{child.pk}/casus/").content.decode()
    html = client.get(url).content.decode()
    assert "How is the pupil doing?" in html and "Answers on this plan" not in html  # a teacher sees own answer
    response = client.post(url, {"helps": "3", "wellbeing": "", "comment": "Rustiger"})
    assert response.status_code == 302 and response["Location"] == f"/kinderen/{child.pk}/casus/"
    answer = FeedbackResponse.objects.get()
    assert (answer.respondent, answer.helps, answer.wellbeing) == ("teacher", 3, None)


def test_who_holds_the_evaluation_sees_every_answer(world, login) -> None:  # type: ignore[no-untyped-def]
    services.answer(world["parent"], world["plan"], "parent", 4, 7, "Het gaat beter thuis.")
    ib = MembershipFactory(organisation=world["child"].school, role="intern_begeleider").user
    html = login(ib).get(f"/kinderen/{world['child'].pk}/plan/vragenlijst/").content.decode()
    assert "Answers on this plan" in html and "Het gaat beter thuis." in html


def test_the_teacher_questionnaire_is_404_without_a_ground_and_403_for_other_roles(world, login, client) -> None:  # type: ignore[no-untyped-def]
    url = f"/kinderen/{world['child'].pk}/plan/vragenlijst/"
    stranger = MembershipFactory(organisation=SchoolFactory(), role="teacher").user
    login(stranger)
    assert client.get(url).status_code == 404
    assert client.post(url, {"helps": "3"}).status_code == 404
    social_worker = MembershipFactory(organisation=world["child"].school, role="school_social_worker").user
    login(social_worker)
    assert "Teachers, mentors" in client.get(url).content.decode()  # reads, but does not answer as teacher
    assert client.post(url, {"helps": "3"}).status_code == 403
    assert not FeedbackResponse.objects.exists()


def test_the_teacher_questionnaire_shows_range_errors_on_the_field(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["teacher"])
    response = client.post(f"/kinderen/{world['child'].pk}/plan/vragenlijst/", {"helps": "9"})
    assert response.status_code == 400 and 'id="id_helps_error"' in response.content.decode()
    assert not FeedbackResponse.objects.exists()


# --- Provider ratings -------------------------------------------------------------------------------------------


@pytest.fixture
def rating_world(world):  # type: ignore[no-untyped-def]
    child = world["child"]
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    provider = OrganisationFactory(kind="provider", name="Trias Jeugdhulp")
    signal = Signal.objects.create(
        child=child, source="teacher", concerns=["learning"], description="x", conversation_on=timezone.localdate()
    )
    case = cases.register_case(ib, signal, question="Wat helpt?")
    HelpRequest.objects.create(case=case, kind="referral", provider=provider, question="Verwijzing")
    year = str(SchoolYear.current())
    return {**world, "ib": ib, "school": child.school, "provider": provider, "year": year}


def test_the_ib_rates_a_provider_the_school_worked_with_and_rating_again_changes_it(rating_world) -> None:  # type: ignore[no-untyped-def]
    w = rating_world
    first = services.rate_provider(w["ib"], w["school"], w["provider"], w["year"], 4, "Snel en dichtbij")
    second = services.rate_provider(w["ib"], w["school"], w["provider"], w["year"], 5, "")
    assert first.pk == second.pk and ProviderRating.objects.get().score == 5
    zorgco = MembershipFactory(organisation=w["school"], role="zorgcoordinator").user
    services.rate_provider(zorgco, w["school"], w["provider"], "2024-2025", 3, "")
    assert ProviderRating.objects.count() == 2


def test_only_the_schools_ib_or_zorgcoordinator_rates(rating_world) -> None:  # type: ignore[no-untyped-def]
    w = rating_world
    other_ib = MembershipFactory(organisation=SchoolFactory(), role="intern_begeleider").user
    for user in (w["teacher"], other_ib, w["parent"]):
        with pytest.raises(PermissionDenied):
            services.rate_provider(user, w["school"], w["provider"], w["year"], 4, "")
    assert not ProviderRating.objects.exists()


def test_only_providers_the_school_worked_with_and_valid_values_are_rated(rating_world) -> None:  # type: ignore[no-untyped-def]
    w = rating_world
    cases_ = [
        (OrganisationFactory(kind="provider", name="MEE"), w["year"], 4, "provider"),
        (OrganisationFactory(kind="wijkteam"), w["year"], 4, "provider"),
        (w["provider"], "2026/2027", 4, "school_year"),
        (w["provider"], "2099-2100", 4, "school_year"),
        (w["provider"], w["year"], 0, "score"),
        (w["provider"], w["year"], 6, "score"),
    ]
    for provider, year, score, field in cases_:
        with pytest.raises(ValidationError) as exc:
            services.rate_provider(w["ib"], w["school"], provider, year, score, "")
        assert field in exc.value.message_dict, (field, exc.value.message_dict)
    assert not ProviderRating.objects.exists()


def test_the_ratings_page_rates_and_downloads_csv_and_xlsx(rating_world, login) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    w = rating_world
    client = login(w["ib"])
    page = client.get("/aanbieders/beoordelen/")
    assert page.status_code == 200 and "Trias Jeugdhulp" in page.content.decode()
    response = client.post(
        "/aanbieders/beoordelen/",
        {
            "school": w["school"].pk,
            "provider": w["provider"].pk,
            "school_year": w["year"],
            "score": "4",
            "comment": "Dichtbij",
        },
    )
    assert response.status_code == 302
    rating = ProviderRating.objects.get()
    assert (rating.score, rating.comment, rating.rated_by) == (4, "Dichtbij", w["ib"])
    csv_text = client.get(f"/aanbieders/beoordelen/?school={w['school'].pk}&format=csv").content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("School;School year;Provider;Score (1-5)")
    assert f"{w['year']};Trias Jeugdhulp;4;Dichtbij" in lines[1]
    xlsx = client.get(f"/aanbieders/beoordelen/?school={w['school'].pk}&format=xlsx")
    assert xlsx["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][1:4] == [w["year"], "Trias Jeugdhulp", 4]


def test_the_ratings_page_refuses_others_and_names_the_field(rating_world, login, client) -> None:  # type: ignore[no-untyped-def]
    w = rating_world
    login(w["teacher"])
    assert client.get("/aanbieders/beoordelen/").status_code == 403
    login(w["ib"])
    stranger = OrganisationFactory(kind="provider", name="Elders")
    response = client.post(
        "/aanbieders/beoordelen/",
        {"school": w["school"].pk, "provider": stranger.pk, "school_year": w["year"], "score": "4"},
    )
    assert response.status_code == 400 and 'id="id_provider_error"' in response.content.decode()
    assert "has not worked with this provider" in response.content.decode()
    assert not ProviderRating.objects.exists()
    # a school that is not the user's own is never chosen, whatever the form says
    other = SchoolFactory()
    response = client.post(
        "/aanbieders/beoordelen/",
        {"school": other.pk, "provider": w["provider"].pk, "school_year": w["year"], "score": "4"},
    )
    assert ProviderRating.objects.get().school == w["school"]
