"""Declarative guarding of web views and API endpoints.

A view that serves a child's data declares `serves_child_data = True` and a `record_category`, and gets
the child only through `guarded_child` (policy check + access-log row in one step). A view that serves
no child data declares `serves_child_data = False`. tests/test_routes_guarded.py walks every URL pattern
and fails on any route that declares neither.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import transaction
from django.http import Http404, HttpRequest

from rondom.accounts.models import User
from rondom.audit import services as audit
from rondom.core.categories import Action
from rondom.registry.models import Child

from . import log, policy
from .policy import Decision

V = TypeVar("V", bound=Callable[..., Any])
T = TypeVar("T")


def serves_no_child_data(view: V) -> V:
    """Mark a function view as serving no child data (login, health, language switch, ...)."""
    view.serves_child_data = False  # type: ignore[attr-defined]
    return view


def guarded_child(
    request: HttpRequest,
    child_id: int | str,
    category: str,
    action: str = Action.READ,
    *,
    object_type: str = "child",
    object_id: object = "",
) -> tuple[Child, Decision]:
    """Fetch a child for `action` on `category`: 404 outside scope, 403 when not allowed; a read is logged."""
    user: User = request.user  # type: ignore[assignment]
    child, decision = policy.get_child_or_404(user, child_id, action, category)
    if action not in (Action.CREATE, Action.UPDATE, Action.DELETE):
        # Changes are logged by the service that makes them, inside its own transaction.
        audit.record(user, decision, child.pk, object_type=object_type, object_id=object_id or child.pk)
    return child, decision


def guarded_object(
    request: HttpRequest,
    child_id: int | str,
    category: str,
    find: Callable[[Child], T | None],
    *,
    object_type: str,
    action: str = Action.READ,
) -> tuple[Child, T, Decision]:
    """Fetch a child and one object nested under it (`/children/<id>/<nested>/<id>/`), e.g. a signal, a thuiszitter
    period or a document: 404 outside scope or when `find(child)` finds nothing (the object is not this child's),
    403 when not allowed. Only after the whole lookup succeeded is one `action` row written, naming the object's
    own id, so a refused request never shows up as a read (issue 12, finding 5; docs/access-log.md)."""
    user: User = request.user  # type: ignore[assignment]
    child, decision = policy.get_child_or_404(user, child_id, action, category)
    found = find(child)
    if found is None:
        raise Http404
    audit.record(user, decision, child.pk, object_type=object_type, object_id=getattr(found, "pk", ""))
    return child, found, decision


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
