"""Guarding of web views and API endpoints: the small pieces besides rondom.access.declared.

A view that serves a child's data declares its access with `rondom.access.declared.Declaration` (the base
resolves the child, asks the policy and writes the read row). A view that serves no child data declares
`serves_child_data = False` (or `@serves_no_child_data`). tests/test_routes_guarded.py and
tests/test_declared_access.py walk every URL pattern and fail on any route that declares neither.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import transaction

from rondom.accounts.models import User
from rondom.audit import services as audit
from rondom.core.categories import Action
from rondom.registry.models import Child

from . import log, policy
from .policy import Decision

V = TypeVar("V", bound=Callable[..., Any])


def serves_no_child_data(view: V) -> V:
    """Mark a function view as serving no child data (login, health, language switch, ...)."""
    view.serves_child_data = False  # type: ignore[attr-defined]
    return view


def log_search(
    user: User,
    children: Sequence[Child] | Sequence[tuple[Child, Decision]],
    category: str = "identity",
    *,
    action: str = Action.SEARCH,
) -> None:
    """Log one `action` row ('search' unless told) for every child shown in a result list, on the ground that put
    it there, in one transaction (docs/access-log.md, "What is logged").

    `children` is either the (child, decision) pairs the selector already made (e.g. `cases.selectors.
    readable_cases`): no further policy question is asked, a pair whose decision was refused is not shown and not
    logged, and a decision for another action or category is turned into this one on its own ground
    (`Decision.for_action`, NotAllowedOnBasis if that ground does not allow it); or plain children: then the policy
    is asked once per child (`policy.decide`, which reads the child's grounds once). A child listed twice is logged
    once."""
    shown: dict[int, tuple[Child, Decision]] = {}
    for entry in children:
        child, decision = entry if isinstance(entry, tuple) else (entry, None)
        if child.pk in shown:
            continue
        if decision is None:
            decision = policy.decide(user, child, action, category)
        elif decision.allowed and (decision.action, decision.category) != (action, category):
            decision = decision.for_action(action, category)
        if decision.allowed:
            shown[child.pk] = (child, decision)
    if not shown:
        return
    with transaction.atomic():
        log.log_many(
            user,
            [d for _c, d in shown.values()],
            [audit.LogItem(c.pk, "child", str(c.pk)) for c, _d in shown.values()],
        )
