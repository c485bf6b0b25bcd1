"""Groups in the access policy (issue 15): a teacher's school-role ground covers only the pupils of the groups he or
she teaches (rules.GROUP_BOUND_SCHOOL_ROLES). The matrix itself is in tests/test_authorization_matrix.py; here the
policy's other ways in: lists decided at once, whole-school bulk decisions and whom to tell about a child."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rondom.access import policy, rules
from rondom.accounts.models import Membership
from rondom.core.categories import Action, DataCategory
from rondom.registry.models import Child
from tests.factories import ChildFactory, GroupTeacherFactory, MembershipFactory, SchoolFactory, SchoolGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():  # type: ignore[no-untyped-def]
    """A school with groups 6A and 6B, three pupils in each and one without a group; a teacher of 6A."""
    school = SchoolFactory()
    a, b = SchoolGroupFactory(school=school, name="6A"), SchoolGroupFactory(school=school, name="6B")
    pupils = {g.name: [ChildFactory(school=school, school_group=g) for _ in range(3)] for g in (a, b)}
    loose = ChildFactory(school=school)
    teacher = MembershipFactory(organisation=school, role="teacher")
    GroupTeacherFactory(group=a, membership=teacher)
    return {"school": school, "a": a, "b": b, "pupils": pupils, "loose": loose, "teacher": teacher}


def test_the_teacher_is_the_one_group_bound_role() -> None:
    assert {"teacher"} == rules.GROUP_BOUND_SCHOOL_ROLES
    assert set(rules.SCHOOL_ROLE_RULES) >= rules.GROUP_BOUND_SCHOOL_ROLES


def test_decide_many_agrees_with_decide_for_a_teacher_in_a_bounded_number_of_queries(school) -> None:  # type: ignore[no-untyped-def]
    user = school["teacher"].user
    children = list(Child.objects.filter(school=school["school"]).only(*policy.POLICY_FIELDS))
    many = policy.decide_many(user, children, Action.SEARCH, DataCategory.IDENTITY)
    for child in children:
        one = policy.decide(user, child, Action.SEARCH, DataCategory.IDENTITY)
        assert (many[child.pk].allowed, many[child.pk].ground_ref) == (one.allowed, one.ground_ref)
    allowed = {pk for pk, d in many.items() if d.allowed}
    assert allowed == {c.pk for c in school["pupils"]["6A"]}
    assert {d.ground_ref for d in many.values() if d.allowed} == {"rule:group_teacher"}
    # Her own pupils cost no query each: the groups she teaches are read once.
    taught = list(Child.objects.filter(school_group=school["a"]).only(*policy.POLICY_FIELDS))
    fresh = Membership.objects.get(pk=school["teacher"].pk).user
    with CaptureQueriesContext(connection) as captured:
        policy.decide_many(fresh, taught, Action.SEARCH, DataCategory.IDENTITY)
    fresh = Membership.objects.get(pk=school["teacher"].pk).user
    with CaptureQueriesContext(connection) as one_pupil:
        policy.decide_many(fresh, taught[:1], Action.SEARCH, DataCategory.IDENTITY)
    assert len(captured) == len(one_pupil)


def test_a_teacher_gets_no_whole_school_bulk_decision(school) -> None:  # type: ignore[no-untyped-def]
    teacher = school["teacher"].user
    decision = policy.organisation_decision(teacher, school["school"].pk, Action.READ, DataCategory.IDENTITY)
    assert not decision.allowed and not decision.in_scope
    ib = MembershipFactory(organisation=school["school"], role="intern_begeleider").user
    assert policy.organisation_decision(ib, school["school"].pk, Action.READ, DataCategory.IDENTITY).allowed


def test_the_list_scope_of_a_teacher_is_the_groups_taught_until_the_teaching_ends(school) -> None:  # type: ignore[no-untyped-def]
    teacher = school["teacher"]
    scope = set(policy.children_in_scope(teacher.user).values_list("pk", flat=True))
    assert scope == {c.pk for c in school["pupils"]["6A"]}
    teacher.groups_taught.update(ended_on=timezone.localdate())
    assert not policy.children_in_scope(Membership.objects.get(pk=teacher.pk).user).exists()


def test_whom_to_tell_about_a_child_holds_only_the_teachers_of_its_group(school) -> None:  # type: ignore[no-untyped-def]
    """Notifications to a role at the child's school (an absence signal's role) and a school's ladder deciders."""
    today = timezone.localdate()
    other = MembershipFactory(organisation=school["school"], role="teacher")
    GroupTeacherFactory(group=school["b"], membership=other)
    former = MembershipFactory(organisation=school["school"], role="teacher")
    GroupTeacherFactory(
        group=school["a"], membership=former, valid_from=today - timedelta(days=90), ended_on=today - timedelta(days=1)
    )
    ib = MembershipFactory(organisation=school["school"], role="intern_begeleider")
    at_school = Membership.objects.filter(organisation=school["school"])
    pupil = school["pupils"]["6A"][0]
    assert set(policy.teachers_of(at_school, pupil, today)) == {school["teacher"], ib}
    assert set(policy.teachers_of(at_school, school["pupils"]["6B"][0], today)) == {other, ib}
    assert set(policy.teachers_of(at_school, school["loose"], today)) == {ib}
