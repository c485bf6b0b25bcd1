"""The answer of the access policy as plain values: a `Basis` is one ground on which a user may see (part of) a
child's record, a `Decision` the answer to one question (action, category). rondom.access.policy makes them; the
access log (rondom.audit) records them; nothing here reads the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .grounds import Ground

if TYPE_CHECKING:  # a type only: the kernel imports no app at run time
    from rondom.accounts.models import Membership

Permissions = dict[str, str]  # category -> "r" or "rw"


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
