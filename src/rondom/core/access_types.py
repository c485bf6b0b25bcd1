"""The answer of the access policy as plain values: a `Basis` is one ground on which a user may see (part of) a
child's record, a `Decision` the answer to one question (action, category). rondom.access.policy makes them; the
access log (rondom.audit) records them; nothing here reads the database."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import PermissionDenied

from .categories import mode_of
from .grounds import Ground

if TYPE_CHECKING:  # a type only: the kernel imports no app at run time
    from rondom.accounts.models import Membership

Permissions = dict[str, str]  # category -> "r" or "rw"


class NotAllowedOnBasis(PermissionDenied, ValueError):
    """Raised by `Decision.for_action` (and access.policy.system_decision) when the ground a decision rests on does
    not allow the action asked for on that category (e.g. an `update` of absence on a ground that only reads it), so
    that no access-log row can name a ground for an access it does not allow. Deny by default: it is a
    PermissionDenied, so a request that runs into it is refused (403), never served."""


class ChangeException(Protocol):
    """A documented change on a reading ground: a row of rondom.access.rules.CHANGE_RULES."""

    @property
    def actions(self) -> Collection[str]: ...
    @property
    def category(self) -> str: ...
    @property
    def grounds(self) -> Collection[str]: ...


@dataclass(frozen=True)
class Basis:
    """One ground on which a user may see (part of) a child's record."""

    ground: str
    permissions: Permissions
    membership: Membership | None = None
    consent_id: int | None = None
    ref: str = ""

    @property
    def emergency(self) -> bool:
        return self.ground == Ground.EMERGENCY


@dataclass(frozen=True)
class Decision:
    allowed: bool
    in_scope: bool
    action: str
    category: str
    basis: Basis | None = None
    bases: tuple[Basis, ...] = field(default=(), repr=False)

    @property
    def ground(self) -> str | None:
        return self.basis.ground if self.basis else None

    @property
    def ground_ref(self) -> str:
        """The rule or consent that allowed the access, e.g. 'rule:school_role' or 'consent:12'."""
        return self.basis.ref if self.basis else ""

    @property
    def emergency(self) -> bool:
        return bool(self.basis and self.basis.emergency)

    @property
    def ground_label(self) -> str:
        return str(Ground(self.basis.ground).label) if self.basis else ""

    def for_action(
        self, action: str, category: str | None = None, *, change: ChangeException | None = None
    ) -> Decision:
        """The same ground, for another `action` (and optionally another `category`): allowed only when this
        decision was allowed and its basis's permissions hold the mode the action needs on that category ('r' for
        read/search/export/print, 'w' for create/update/delete; access.rules tables). `change` is a row of
        `rondom.access.rules.CHANGE_RULES` for the few changes that rest on a reading ground (raising a signal, the
        family's own changes, ...): then the change is allowed when that row lists the action, the category and the
        basis's ground, and the basis reads something of the child. Raises NotAllowedOnBasis otherwise."""
        category = category or self.category
        basis = self.basis
        if self.allowed and basis is not None:
            if mode_of(action) in basis.permissions.get(category, ""):
                return replace(self, action=action, category=category)
            if (
                change is not None
                and action in change.actions
                and category == change.category
                and basis.ground in change.grounds
                and any("r" in mode for mode in basis.permissions.values())
            ):
                return replace(self, action=action, category=category)
        raise NotAllowedOnBasis(
            f"{self.ground or 'no ground'} ({self.ground_ref or '-'}) does not allow {action} on {category}"
            + (" (with its change exception)" if change is not None else "")
        )
