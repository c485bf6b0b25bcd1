"""A municipality's authority, from configuration only.

Which organisation is the gemeente of which municipality is a record the platform administrator keeps
(`MunicipalityOrganisation`); which municipalities a GGD, wijkteam, leerplicht office or samenwerkingsverband
serves is `Organisation.serves_municipalities`, which only the gemeente's functioneel beheerder (for its own
municipalities) or the platform administrator may set (`accounts.tasks`, task `organisation.link`). An
organisation's own `kind` and `municipality` fields give no authority over anyone's children: a school's
administrator could once create a "GGD" or a "gemeente" under its school (issue 12, finding 1).

Which municipalities a policy officer acts for (`municipalities_of`: the allocation round, the monitoring) and who
is the gemeente's policy officer (`municipality_officer`: the pilot budget, the research key) are here too, so that
funding and monitoring ask the same question without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied

from .models import Membership, MunicipalityOrganisation, Organisation, User
from .roles import OrganisationKind, Role


def governed_municipalities(organisation_ids: Iterable[int]) -> dict[int, set[int]]:
    """{organisation id: ids of the municipalities it is the configured gemeente of}; organisations without
    configuration are absent. One query."""
    found: dict[int, set[int]] = {}
    rows = MunicipalityOrganisation.objects.filter(organisation_id__in=set(organisation_ids))
    for organisation_id, municipality_id in rows.values_list("organisation_id", "municipality_id"):
        found.setdefault(organisation_id, set()).add(municipality_id)
    return found


def served_municipalities(organisation_ids: Iterable[int]) -> dict[int, set[int]]:
    """{organisation id: ids of the municipalities whose children it serves}: those listed in
    `serves_municipalities` plus those it is the configured gemeente of. There is no fallback to the
    organisation's own `municipality` field. Two queries."""
    ids = set(organisation_ids)
    found = governed_municipalities(ids)
    through = Organisation.serves_municipalities.through.objects.filter(organisation_id__in=ids)
    for organisation_id, municipality_id in through.values_list("organisation_id", "municipality_id"):
        found.setdefault(organisation_id, set()).add(municipality_id)
    return found


def is_configured_gemeente(organisation_id: int) -> bool:
    return MunicipalityOrganisation.objects.filter(organisation_id=organisation_id).exists()


def gemeente_memberships(memberships: Iterable[Membership], role: str) -> list[Membership]:
    """The memberships in `role` held at an organisation configured as a gemeente, in the given order."""
    candidates = [m for m in memberships if m.role == role]
    if not candidates:
        return []
    governed = governed_municipalities(m.organisation_id for m in candidates)
    return [m for m in candidates if m.organisation_id in governed]


#: Policy officers of these organisation kinds see a municipality's figures (monitoring) and its allocation rounds.
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
