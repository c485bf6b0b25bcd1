"""Guarding of web views and API endpoints: the small pieces besides rondom.access.declared.

A view that serves a child's data declares its access with `rondom.access.declared.Declaration` (the base
resolves the child, asks the policy and writes the read row). A view that serves no child data declares
`serves_child_data = False` (or `@serves_no_child_data`). tests/test_routes_guarded.py and
tests/test_declared_access.py walk every URL pattern and fail on any route that declares neither.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction

from rondom.accounts.models import User
from rondom.audit import services as audit
from rondom.registry.models import Child

from . import policy
from .categories import Action

V = TypeVar("V", bound=Callable[..., Any])


def serves_no_child_data(view: V) -> V:
    """Mark a function view as serving no child data (login, health, language switch, ...)."""
    view.serves_child_data = False  # type: ignore[attr-defined]
    return view


def log_search(user: User, children: list[Child], category: str = "identity", *, action: str = Action.SEARCH) -> None:
    """Log one 'search' row for every child shown in a result list, on the ground that put it there."""
    if not children:
        return
    decisions = [policy.decide(user, child, action, category) for child in children]
    shown = [(c, d) for c, d in zip(children, decisions, strict=True) if d.allowed]
    with transaction.atomic():
        audit.record_many(
            user,
            shown[0][1] if shown else decisions[0],
            [audit.LogItem(c.pk, "child", str(c.pk)) for c, _ in shown],
            decisions=[d for _, d in shown],
        )
