"""A list logs one row per child shown, from the decisions the selector already made (issue 13 point 1): given
decisions, `declared.log_shown` asks the policy nothing; given children only, it asks once per child."""

from __future__ import annotations

import pytest

from rondom.access import policy
from rondom.access.declared import log_shown
from rondom.audit.models import AccessLogEntry
from rondom.cases.selectors import readable_cases
from rondom.core.categories import Action, DataCategory
from tests.factories import ChildFactory, MembershipFactory, teacher_of

pytestmark = pytest.mark.django_db


def _rows():  # type: ignore[no-untyped-def]
    return sorted(
        AccessLogEntry.objects.filter(object_type="child").values_list("child_id", "action", "category", "ground")
    )


def test_pairs_from_the_selector_are_logged_without_asking_the_policy_again(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    child, other, refused_child = ChildFactory(), ChildFactory(), ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    teacher_of(other, user=ib)
    pairs = [(c, policy.decide(ib, c, Action.SEARCH, DataCategory.SUPPORT)) for c in (child, other, refused_child)]
    assert [d.allowed for _c, d in pairs] == [True, True, False]

    def no_question(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the policy was asked again")

    monkeypatch.setattr(policy, "decide", no_question)
    monkeypatch.setattr(policy, "iter_bases", no_question)
    entries = [*pairs, pairs[0]]
    log_shown(ib, [c for c, _d in entries], DataCategory.SUPPORT, decisions=[d for _c, d in entries])
    assert _rows() == sorted(
        [(child.pk, "search", "support", "school_role"), (other.pk, "search", "support", "school_role")]
    )


def test_a_selectors_decision_for_another_category_is_turned_on_its_own_ground_or_refused() -> None:
    child = ChildFactory()
    teacher = teacher_of(child).user
    decision = policy.decide(teacher, child, Action.READ, DataCategory.SUPPORT)
    log_shown(teacher, [child], DataCategory.IDENTITY, decisions=[decision])
    assert _rows() == [(child.pk, "search", "identity", "school_role")]
    with pytest.raises(policy.NotAllowedOnBasis):
        log_shown(teacher, [child], DataCategory.ABSENCE, decisions=[decision])  # the teacher's ground reads no absence
    assert len(_rows()) == 1


def test_children_only_ask_the_policy_once_per_child(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    child, outside = ChildFactory(), ChildFactory()
    teacher = teacher_of(child).user
    asked: list[int] = []
    real = policy.iter_bases

    def counting(user, found, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(found.pk)
        return real(user, found, **kwargs)

    monkeypatch.setattr(policy, "iter_bases", counting)
    log_shown(teacher, [child, outside, child], DataCategory.IDENTITY)
    assert sorted(asked) == sorted([child.pk, outside.pk])
    assert _rows() == [(child.pk, "search", "identity", "school_role")]


def test_the_cases_selector_pairs_feed_the_list_log() -> None:
    from datetime import date

    from rondom.cases.models import Case
    from rondom.cases.services import support_team_for

    child, other = ChildFactory(), ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    for found in (child, child, other):
        team = support_team_for(found.school)
        Case.objects.create(child=found, team=team, question="Lezen", decision_due=date(2026, 10, 1))
    shown = readable_cases(ib, queryset=Case.objects.select_related("child").order_by("pk"))
    assert len(shown) == 2  # two cases of one child; the other child is not the IB's
    log_shown(ib, [case.child for case, _d in shown], DataCategory.SUPPORT, decisions=[d for _c, d in shown])
    assert _rows() == [(child.pk, "search", "support", "school_role")]
