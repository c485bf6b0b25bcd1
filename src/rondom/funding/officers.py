"""The policy officers that funding and monitoring serve: which municipalities a policy officer acts for
(`municipalities_of`: the allocation round, the monitoring's figures) and who is the gemeente's own policy officer
(`municipality_officer`: the pilot budget, the research key). They lived in the monitoring module; here funding
asks them without importing monitoring, and monitoring (which reads funding) asks the same ones."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from rondom.accounts.authority import gemeente_memberships, governed_municipalities
from rondom.accounts.models import User
from rondom.accounts.roles import OrganisationKind, Role

#: Policy officers of these organisation kinds see a municipality's figures and its allocation rounds.
MONITORING_KINDS = frozenset({OrganisationKind.MUNICIPALITY, OrganisationKind.SCHOOL_BOARD, OrganisationKind.SWV})


def municipalities_of(user: User) -> set[int]:
    """The municipalities whose figures this user may see: policy staff of a municipality, school board or SWV."""
    officers = [m for m in user.roles() if m.role == Role.POLICY_OFFICER and m.organisation.kind in MONITORING_KINDS]
    governed = governed_municipalities(m.organisation_id for m in officers)
    found = {
        pk
        for m in officers
        for pk in (
            # a gemeente's figures by configuration only; school boards and SWVs (created only by the gemeente's
            # administrator or the platform) by the municipality they belong to
            governed.get(m.organisation_id, set())
            if m.organisation.kind == OrganisationKind.MUNICIPALITY
            else {m.organisation.municipality_id} - {None}
        )
    }
    if not found:
        raise PermissionDenied
    return found  # type: ignore[return-value]


def municipality_officer(user: User) -> Any:
    """The user's membership as policy officer of a municipality (the key holder, the budget keeper), or None.

    Only an organisation the platform administrator configured as the gemeente counts
    (accounts.MunicipalityOrganisation): an organisation's own kind "municipality" gives no authority (issue 12,
    finding 1)."""
    found = gemeente_memberships(user.roles(), Role.POLICY_OFFICER)
    return found[0] if found else None
