"""A municipality's authority, from configuration only.

Which organisation is the gemeente of which municipality is a record the platform administrator keeps
(`MunicipalityOrganisation`); which municipalities a GGD, wijkteam, leerplicht office or samenwerkingsverband
serves is `Organisation.serves_municipalities`, which only the gemeente's functioneel beheerder (for its own
municipalities) or the platform administrator may set (`access.tasks`, task `organisation.link`). An
organisation's own `kind` and `municipality` fields give no authority over anyone's children: a school's
administrator could once create a "GGD" or a "gemeente" under its school (issue 12, finding 1).
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Membership, MunicipalityOrganisation, Organisation


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
