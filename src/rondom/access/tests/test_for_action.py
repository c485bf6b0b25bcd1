"""A decision turned into one for another action only when its ground allows it (issue 13, point 1), the system's
own accesses as named rule rows, and the one logging path (access.log): a ground that only reads can never produce
a change row."""

from __future__ import annotations

import pytest

from rondom.access import log, policy, rules
from rondom.access.policy import Basis, Decision, NotAllowedOnBasis
from rondom.audit.models import AccessLogEntry
from rondom.audit.services import AGGREGATE_CHILD_ID
from rondom.core.categories import READ_ACTIONS, WRITE_ACTIONS, Action, DataCategory

#: Every permissions row of the user grounds, with the ground it belongs to.
USER_ROWS: list[tuple[str, rules.Permissions]] = [
    *((rules.Ground.SCHOOL_ROLE, p) for p in rules.SCHOOL_ROLE_RULES.values()),
    *((rules.Ground.SUPPORT_TEAM, p) for p in rules.TEAM_ROLE_RULES.values()),
    *((rules.Ground.LEGAL_TASK, p) for p in rules.LEGAL_TASK_RULES.values()),
    *((rules.Ground.LEGAL_TASK, p) for p in rules.SIGNAL_TASK_RULES.values()),
    *((rules.Ground.ESCALATION, p) for p in rules.ESCALATION_RULES.values()),
    (rules.Ground.REQUEST, rules.REQUEST_PERMISSIONS),
    (rules.Ground.PARENT, rules.PARENT_PERMISSIONS),
    (rules.Ground.YOUTH, rules.YOUTH_PERMISSIONS),
    (rules.Ground.EMERGENCY, rules.EMERGENCY_PERMISSIONS),
]


def _allowed(ground: str, permissions: rules.Permissions) -> Decision:
    """The decision the policy makes on one basis: the first category it reads, read."""
    basis = Basis(ground, permissions, ref=f"rule:{ground}")
    category = next(c for c, mode in permissions.items() if "r" in mode)
    decision = policy.decide_with((basis,), Action.READ, category)
    assert decision.allowed
    return decision


@pytest.mark.parametrize(("ground", "permissions"), USER_ROWS)
def test_every_rule_row_turns_into_exactly_the_actions_its_modes_allow(ground, permissions) -> None:  # type: ignore[no-untyped-def]
    decision = _allowed(ground, permissions)
    for category in DataCategory.values:
        mode = permissions.get(category, "")
        for action in sorted(READ_ACTIONS | WRITE_ACTIONS):
            needed = "w" if action in WRITE_ACTIONS else "r"
            if needed in mode:
                turned = decision.for_action(action, category)
                assert (turned.allowed, turned.action, turned.category) == (True, action, category)
                assert turned.basis == decision.basis and turned.ground_ref == decision.ground_ref
            else:
                with pytest.raises(NotAllowedOnBasis):
                    decision.for_action(action, category)


def test_a_refused_decision_turns_into_nothing_and_the_error_is_a_refusal() -> None:
    refused = Decision(False, True, Action.UPDATE, DataCategory.ABSENCE)
    with pytest.raises(NotAllowedOnBasis) as error:
        refused.for_action(Action.READ)
    assert isinstance(error.value, ValueError)
    from django.core.exceptions import PermissionDenied

    assert isinstance(error.value, PermissionDenied)  # a view that lets it through answers 403, never a row


def test_a_named_change_rule_allows_only_its_own_action_category_and_grounds() -> None:
    teacher = _allowed(rules.Ground.SCHOOL_ROLE, rules.SCHOOL_ROLE_RULES["teacher"])
    with pytest.raises(NotAllowedOnBasis):
        teacher.for_action(Action.CREATE, DataCategory.SUPPORT)  # the teacher only reads support
    signal = teacher.for_action(Action.CREATE, DataCategory.SUPPORT, change=rules.CHANGE_RULES["raise_signal"])
    assert (signal.action, signal.category, signal.ground) == (Action.CREATE, DataCategory.SUPPORT, "school_role")
    with pytest.raises(NotAllowedOnBasis):
        teacher.for_action(
            Action.UPDATE, DataCategory.SUPPORT, change=rules.CHANGE_RULES["raise_signal"]
        )  # not the rule's action
    with pytest.raises(NotAllowedOnBasis):
        teacher.for_action(
            Action.CREATE, DataCategory.HEALTH, change=rules.CHANGE_RULES["raise_signal"]
        )  # not the rule's category
    with pytest.raises(NotAllowedOnBasis):
        teacher.for_action(
            Action.CREATE, DataCategory.SUPPORT, change=rules.CHANGE_RULES["family_portal"]
        )  # not a family ground
    emergency = _allowed(rules.Ground.EMERGENCY, rules.EMERGENCY_PERMISSIONS)
    with pytest.raises(NotAllowedOnBasis):
        emergency.for_action(Action.CREATE, DataCategory.SUPPORT, change=rules.CHANGE_RULES["raise_signal"])
    with pytest.raises(KeyError):
        teacher.for_action(Action.CREATE, DataCategory.SUPPORT, change=rules.CHANGE_RULES["no such rule"])


def test_every_system_rule_names_its_ground_and_ref_and_allows_nothing_else() -> None:
    for name, row in rules.SYSTEM_RULES.items():
        assert row.ground in rules.Ground.values and row.ref and row.description, name
        for category in DataCategory.values:
            for action in (Action.READ, Action.UPDATE):
                needed = "w" if action in WRITE_ACTIONS else "r"
                if needed in row.permissions.get(category, ""):
                    decision = policy.system_decision(name, action, category, detail="x")
                    assert (decision.ground, decision.action, decision.category) == (row.ground, action, category)
                    assert decision.ground_ref == row.ref.format(detail="x")
                else:
                    with pytest.raises(NotAllowedOnBasis):
                        policy.system_decision(name, action, category)
    retention = policy.system_decision("retention", Action.DELETE, DataCategory.HEALTH, detail="note.health")
    assert (retention.ground, retention.ground_ref) == ("retention", "rule:retention:note.health")
    with pytest.raises(KeyError):
        policy.system_decision("no such rule", Action.READ, DataCategory.SUPPORT)


@pytest.mark.django_db
def test_a_reading_ground_never_writes_a_change_row() -> None:
    from tests.factories import ChildFactory, teacher_of

    child = ChildFactory()
    teacher = teacher_of(child).user
    decision = policy.decide(teacher, child, Action.READ, DataCategory.SUPPORT)
    assert decision.allowed
    before = AccessLogEntry.objects.count()
    for action in sorted(WRITE_ACTIONS):
        with pytest.raises(NotAllowedOnBasis):
            log.log_change(teacher, decision, child, action=action, object_type="note", object_id=1)
    with pytest.raises(NotAllowedOnBasis):
        log.log_read(teacher, decision, child, category=DataCategory.HEALTH, object_type="notes")
    assert AccessLogEntry.objects.count() == before
    row = log.log_read(teacher, decision, child, object_type="notes", object_id="support")
    assert (row.action, row.category, row.ground, row.child_id) == ("read", "support", "school_role", child.pk)


@pytest.mark.django_db
def test_an_aggregate_row_is_a_named_rule_row_without_a_child() -> None:
    from tests.factories import MembershipFactory, OrganisationFactory

    membership = MembershipFactory(organisation=OrganisationFactory(kind="municipality"), role="policy_officer")
    row = log.log_aggregate(
        membership.user,
        "monitoring",
        category=DataCategory.SUPPORT,
        object_type="monitoring_table",
        object_id="stad:x:2025",
        membership=membership,
    )
    assert (row.child_id, row.action, row.ground, row.ground_ref, row.role) == (
        AGGREGATE_CHILD_ID,
        "export",
        "aggregate",
        "rule:monitoring",
        "policy_officer",
    )
    with pytest.raises(NotAllowedOnBasis):
        log.log_aggregate(membership.user, "monitoring", category=DataCategory.HEALTH, object_type="x", object_id=1)
