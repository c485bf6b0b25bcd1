"""The one path from a decision to its access-log row (NEN 7513; docs/access-log.md).

Services and views outside `access/` and `audit/` never build a `Decision` or call `audit.services` themselves:
they pass the decision the policy made (or a named system rule) to these functions, which check that its ground
allows what is logged (`Decision.for_action`) and write the row through `audit.services`. Call them inside the
transaction of the change they record, so a change and its row commit or fail together.
"""

from __future__ import annotations

from collections.abc import Sequence

from rondom.accounts.models import Membership, User
from rondom.audit import services as audit
from rondom.audit.models import AccessLogEntry
from rondom.audit.services import AGGREGATE_CHILD_ID, LogItem
from rondom.registry.models import Child

from .categories import READ_ACTIONS, Action
from .policy import Decision, system_decision

__all__ = ["LogItem", "log_aggregate", "log_change", "log_many", "log_read"]


def _child_id(child: Child | int) -> int:
    return child if isinstance(child, int) else child.pk


def _as_read(decision: Decision) -> Decision:
    """A read-type decision as it is (read, search, export, print), any other turned into a read on its ground."""
    if decision.allowed and decision.action in READ_ACTIONS:
        return decision
    return decision.for_action(Action.READ)


def log_read(
    user: User | None,
    decision: Decision,
    child: Child | int,
    *,
    object_type: str,
    object_id: object = "",
    category: str | None = None,
    reason: str = "",
) -> AccessLogEntry:
    """One `read` row (or the decision's own read-type action: search, export, print) for what `user` was shown of
    `child` (a Child or its id): `object_type`/`object_id` name the object (docs/access-log.md, "What is logged").
    `category`, when given, is the part of the record shown, if it differs from the decision's. Raises
    NotAllowedOnBasis when the decision's ground does not allow reading that category."""
    d = decision.for_action(Action.READ, category) if category else _as_read(decision)
    return audit.record(user, d, _child_id(child), object_type=object_type, object_id=object_id, reason=reason)


def log_change(
    user: User | None,
    decision: Decision,
    child: Child | int,
    *,
    action: str,
    object_type: str,
    object_id: object = "",
    category: str | None = None,
    rule: str | None = None,
    reason: str = "",
) -> AccessLogEntry:
    """One row for a change (`action`: create, update or delete) of `child`'s record on the ground of `decision`,
    for `category` (default: the decision's). The ground must allow the change ('w'), or the change must be one of
    the named exceptions of `rules.CHANGE_RULES` passed as `rule`. Raises NotAllowedOnBasis otherwise: a ground
    that only reads can never produce a change row."""
    d = decision.for_action(action, category, rule=rule)
    return audit.record(user, d, _child_id(child), object_type=object_type, object_id=object_id, reason=reason)


def log_many(
    user: User | None,
    decisions: Decision | Sequence[Decision],
    items: Sequence[LogItem],
    *,
    reason: str = "",
) -> list[AccessLogEntry]:
    """One row per item in one transaction (e.g. every child shown in a list, every pupil of an import):
    `decisions` is one decision for all items, or one per item (the ground may differ per child). Every decision
    must be allowed (NotAllowedOnBasis otherwise); nothing is written for no items."""
    if not items:
        return []
    if isinstance(decisions, Decision):
        one = decisions if decisions.allowed else decisions.for_action(decisions.action)
        return audit.record_many(user, one, items, reason=reason)
    if len(decisions) != len(items):
        raise ValueError("log_many: one decision per item")
    for d in decisions:
        if not d.allowed:
            d.for_action(d.action)  # raises NotAllowedOnBasis
    return audit.record_many(user, decisions[0], items, decisions=decisions, reason=reason)


def log_aggregate(
    user: User,
    rule: str,
    *,
    category: str,
    object_type: str,
    object_id: object,
    membership: Membership | None = None,
    action: str = Action.EXPORT,
) -> AccessLogEntry:
    """One row for figures over many children, no child named (child 0, ground `aggregate`), on the named row
    `rule` of `rules.SYSTEM_RULES` (`monitoring`, `thuiszitter_overview`); `membership` is the role that let the
    user see the figures. Raises KeyError for an unknown rule, NotAllowedOnBasis when the rule does not cover
    `category`. docs/access-log.md, "Aggregate exports"."""
    decision = system_decision(rule, action, category, membership=membership)
    return audit.record(user, decision, AGGREGATE_CHILD_ID, object_type=object_type, object_id=object_id)
