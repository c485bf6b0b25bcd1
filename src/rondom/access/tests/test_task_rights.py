"""Issue 13 point 2: who may do a task is one table (access/tasks.py), asked through `may`; the menu, the workflow
and the research export ask the same table; no role list decides a task anywhere else."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rondom.access import tasks
from rondom.access.tasks import TASKS, Holder, Scope, Standing
from rondom.accounts.context_processors import MENU_TASKS
from rondom.accounts.models import Organisation, User
from rondom.accounts.roles import PROFESSIONAL_ROLES, ROLE_ORGANISATION_KINDS, OrganisationKind, Role
from rondom.cases import workflow
from tests.factories import MembershipFactory, MunicipalityFactory, OrganisationFactory, SchoolFactory, UserFactory

SRC = Path(__file__).resolve().parents[2]
ROOT = SRC.parents[1]
K = OrganisationKind

ROLE_ROWS = sorted(key for key, row in TASKS.items() if any(h.standing == Standing.ROLE for h in row.holders))
ADMIN_ROWS = sorted(set(TASKS) - set(ROLE_ROWS))
ROLE_HOLDERS = [
    (key, index, holder)
    for key in ROLE_ROWS
    for index, holder in enumerate(TASKS[key].holders)
    if holder.standing == Standing.ROLE
]


def _kind_for(role: str, holder: Holder) -> str:
    """An organisation kind at which `role` fits and the holder holds (a configured gemeente for GEMEENTE)."""
    fits = ROLE_ORGANISATION_KINDS[role] if holder.kinds is None else holder.kinds & ROLE_ORGANISATION_KINDS[role]
    if holder.scope == Scope.GEMEENTE and K.MUNICIPALITY in fits:
        return K.MUNICIPALITY
    return sorted(fits)[0]


def _placed(role: str, kind: str, scope: Scope) -> tuple[User, Organisation, Any]:
    """A user with `role` at a new organisation of `kind` that has something to act for under `scope`; with the
    target the row's `target` names, within that scope."""
    municipality = MunicipalityFactory(name="Hier")
    organisation = OrganisationFactory(kind=kind, municipality=municipality)
    school = SchoolFactory(municipality=municipality, parent=organisation if scope == Scope.SCHOOLS_BELOW else None)
    user = MembershipFactory(organisation=organisation, role=role).user
    return user, organisation, {"organisation": organisation, "school": school, "municipality": municipality}


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "index", "holder"), ROLE_HOLDERS, ids=[f"{k}-{i}" for k, i, _h in ROLE_HOLDERS])
def test_every_holder_of_a_task_may_and_everyone_else_may_not(key: str, index: int, holder: Holder) -> None:
    row = TASKS[key]
    for role in sorted(holder.roles):
        kind = _kind_for(role, holder)
        user, organisation, targets = _placed(role, kind, holder.scope)
        assert tasks.may(user, key), (key, role, kind)
        assert tasks.refusal(user, key) is None
        target = targets.get(row.target)
        if holder.scope == Scope.OWN_ORGANISATION and row.target == "school":
            target = organisation
        if target is not None and holder.scope != Scope.CHILD_RECORD:
            assert tasks.may(user, key, target), (key, role, "in scope")
            far = MunicipalityFactory(name="Elders")
            elsewhere = {"municipality": far, "school": SchoolFactory(municipality=far)}.get(
                row.target
            ) or SchoolFactory(municipality=far)
            assert not tasks.may(user, key, elsewhere), (key, role, "out of scope")
    # A professional whose role holds no part of this row, at an organisation its role fits: refused, with a reason.
    others = sorted(PROFESSIONAL_ROLES - tasks.roles_of(key))
    if others:
        other = others[0]
        user, _o, _t = _placed(other, sorted(ROLE_ORGANISATION_KINDS[other])[0], holder.scope)
        assert not tasks.may(user, key)
        assert tasks.refusal(user, key)
    # The holder's role at an organisation of another kind does not hold it when the row names kinds.
    if holder.kinds is not None:
        role = sorted(holder.roles)[0]
        wrong = sorted(ROLE_ORGANISATION_KINDS[role] - holder.kinds)
        if wrong and not any(
            role in h.roles and (h.kinds is None or wrong[0] in h.kinds) for h in row.holders if h is not holder
        ):
            user, _o, _t = _placed(role, wrong[0], holder.scope)
            assert not tasks.may(user, key), (key, role, wrong[0])


@pytest.mark.django_db
@pytest.mark.parametrize("key", ADMIN_ROWS)
def test_every_administration_right_is_the_platforms_and_no_teachers(key: str) -> None:
    platform = UserFactory(is_superuser=True, is_staff=True)
    teacher = MembershipFactory(role=Role.TEACHER).user
    assert tasks.may(platform, key)
    assert not tasks.may(teacher, key)
    assert tasks.refusal(teacher, key)


def test_every_row_is_described_and_every_holder_is_well_formed() -> None:
    for key, row in TASKS.items():
        assert str(row.description).strip(), key
        assert row.holders, key
        for holder in row.holders:
            if holder.standing == Standing.ROLE:
                assert holder.roles and holder.roles <= PROFESSIONAL_ROLES, key
                assert holder.kinds is None or holder.kinds <= set(K.values), key


# --- the menu --------------------------------------------------------------------------------------------------------


def test_every_menu_flag_is_one_task_of_the_table() -> None:
    assert set(MENU_TASKS.values()) <= set(TASKS)
    assert len(set(MENU_TASKS.values())) == len(MENU_TASKS)  # one flag per task
    base = (SRC / "templates" / "base.html").read_text()
    for flag in MENU_TASKS:
        assert "{% if " + flag + " %}" in base, flag


# --- the workflow --------------------------------------------------------------------------------------------------


def test_every_workflow_step_names_a_task_right_and_reopening_is_its_own() -> None:
    steps = {(a, b) for a, targets in workflow.TRANSITIONS.items() for b in targets}
    named = {(a, b) for a, targets in workflow.TASK_RIGHTS.items() for b in targets}
    assert steps == named
    assert all(workflow.task_right(a, b) in TASKS for a, b in steps)
    S = workflow.State
    assert workflow.task_right(S.CLOSED, S.REOPENED) != workflow.task_right(S.EVALUATION, S.SCALED_DOWN)
    assert tasks.roles_of("reopen_case") < tasks.roles_of("move_case")


@pytest.mark.django_db
def test_a_case_worker_who_may_scale_down_may_not_reopen_a_closed_case() -> None:
    """The school social worker moves a case along (and may scale it down) but does not reopen a closed case: the
    service refuses with the reason and offers no such step; the school's intern begeleider reopens."""
    from datetime import date

    from rondom.cases import services
    from rondom.cases.models import CaseStatus, Concern, Signal
    from tests.factories import ChildFactory

    school = SchoolFactory()
    child = ChildFactory(school=school)
    ib = MembershipFactory(organisation=school, role=Role.INTERN_BEGELEIDER)
    signal = Signal.objects.create(
        child=child, source="teacher", concerns=[Concern.values[0]], description="Zorg", raised_by=ib.user
    )
    signal.conversation_on = date(2026, 1, 5)
    signal.save()
    case = services.register_case(ib.user, signal, question="Wat is er nodig?", today=date(2026, 1, 6))
    S = workflow.State
    for state in (S.IN_DISCUSSION, S.PLAN_ACTIVE, S.EVALUATION):
        case = services.change_state(ib.user, case, state)
    case = services.change_state(ib.user, case, S.CLOSED, reason="Doelen gehaald")
    assert CaseStatus.objects.filter(case=case).count() == 5

    worker = MembershipFactory(organisation=school, role=Role.SCHOOL_SOCIAL_WORKER).user
    assert tasks.may(worker, "move_case", child) and not tasks.may(worker, "reopen_case", child)
    assert services.next_states(worker, case) == []
    with pytest.raises(PermissionDenied) as refused:
        services.change_state(worker, case, S.REOPENED, reason="Nieuwe zorgen")
    assert str(refused.value)
    assert services.next_states(ib.user, case) == [S.REOPENED]
    case = services.change_state(ib.user, case, S.REOPENED, reason="Nieuwe zorgen")
    assert case.state == S.REOPENED


# --- the research export ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_research_export_ground_is_a_rule_row(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RESEARCH_LEGAL_BASES = ["Art. 2.10 Jeugdwet"]
    for row in tasks.RESEARCH_EXPORT_GROUNDS.values():
        assert row.task in TASKS
        assert bool(row.consent_purpose) != bool(row.documented_in)  # consent, or a documented basis: never neither
    officer = MembershipFactory(organisation=OrganisationFactory(kind=K.MUNICIPALITY), role=Role.POLICY_OFFICER).user
    row, membership = tasks.research_export_ground(officer, "")
    assert (row.key, row.ground) == ("consent", "research") and membership.role == Role.POLICY_OFFICER
    row, _m = tasks.research_export_ground(officer, "Art. 2.10 Jeugdwet")
    assert (row.key, row.ground) == ("legal_basis", "legal_task")
    with pytest.raises(ValidationError) as invalid:
        tasks.research_export_ground(officer, "Wet X")
    assert list(invalid.value.message_dict) == ["legal_basis"]
    board = MembershipFactory(organisation=OrganisationFactory(kind=K.SCHOOL_BOARD), role=Role.POLICY_OFFICER).user
    with pytest.raises(PermissionDenied):
        tasks.research_export_ground(board, "")


# --- no role list outside the table --------------------------------------------------------------------------------

#: Modules that may name roles to decide something: the tables themselves.
TABLES = {"access/tasks.py", "access/rules.py", "accounts/roles.py"}
#: Data only, no decision: the demo world names the roles of the people it creates; migrations are history.
DATA_ONLY = ("demo/", "migrations/", "tests/")
ROLE_NAMES = set(Role.names)
ROLE_VALUES = set(Role.values)


def _is_role_member(node: ast.AST) -> bool:
    """`Role.TEACHER` (the accounts Role, not e.g. SocialWorkActivity.Role)."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Role"
        and node.attr in ROLE_NAMES
    )


def _role_literal(node: ast.AST) -> bool:
    if _is_role_member(node) or (isinstance(node, ast.Constant) and node.value in ROLE_VALUES):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return any(_role_literal(e) for e in node.elts)
    if isinstance(node, ast.Starred):
        return _role_literal(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set"):
        return any(_role_literal(a) for a in node.args)
    return False


def _mentions_role(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "role") or (
        isinstance(node, ast.Name) and node.id == "role"
    )


def role_lists(source: str) -> list[tuple[int, str]]:
    """Where a piece of code decides by naming roles: `has_role(<role>)`, `x.role == <role>`, `x.role in (<roles>)`,
    `role__in=[<roles>]`, or a collection of `Role.X` members."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "has_role" and any(_role_literal(a) for a in node.args):
                found.append((node.lineno, "has_role"))
            for keyword in node.keywords:
                if keyword.arg and re.fullmatch(r"(\w+__)?role(__in)?", keyword.arg) and _role_literal(keyword.value):
                    found.append((node.lineno, keyword.arg))
        elif isinstance(node, ast.Compare) and (
            _mentions_role(node.left) or any(_mentions_role(c) for c in node.comparators)
        ):
            if any(_role_literal(c) for c in [node.left, *node.comparators]):
                found.append((node.lineno, "compare"))
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)) and any(_is_role_member(e) for e in node.elts):
            found.append((node.lineno, "role list"))
    return sorted(set(found))


def test_the_lint_finds_each_shape_of_role_list() -> None:
    sample = (
        'a = user.has_role("teacher")\n'
        "b = m.role == Role.POLICY_OFFICER\n"
        'c = m.role in ("intern_begeleider", "zorgcoordinator")\n'
        "d = Membership.objects.filter(role__in=[Role.TEACHER])\n"
        "E = frozenset({Role.TEACHER, Role.ZORGCOORDINATOR})\n"
        "f = user.has_role(signal.role)\n"  # the role a signal is addressed to: data, not a list
        "g = SocialWorkActivity.Role.choices\n"
    )
    assert sorted({line for line, _what in role_lists(sample)}) == [1, 2, 3, 4, 5]


def test_no_role_list_decides_a_task_outside_the_tables() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative in TABLES or any(part in relative for part in DATA_ONLY):
            continue
        found += [f"{relative}:{line} ({what})" for line, what in role_lists(path.read_text())]
    assert found == [], "decide a task with access.tasks.may/holdings, not with a role list"


# --- the docs -------------------------------------------------------------------------------------------------------


def test_the_docs_list_every_task_right() -> None:
    docs = (ROOT / "docs" / "access-policy.md").read_text()
    assert "## Task rights" in docs
    section = docs.split("## Task rights", 1)[1].split("\n## ", 1)[0]
    missing = [key for key in TASKS if f"`{key}`" not in section]
    assert missing == [], missing
    assert tasks.docs_table() in section, "regenerate the table: print(rondom.access.tasks.docs_table())"
