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

from django.db.models import Q

from .models import Membership, MunicipalityOrganisation, Organisation


def governed_municipalities(organisation_ids: Iterable[int]) -> dict[int, set[int]]:
    """{organisation id: ids of the municipalities it is the configured gemeente of}; organisations without
    configuration are absent. One query."""
    found: dict[int, set[int]] = {}
    rows = MunicipalityOrganisation.objects.filter(organisation_id__in=set(organisation_ids))
    for organisation_id, municipality_id in rows.values_list("organisation_id", "municipality_id"):
        found.setdefault(organisation_id, set()).add(municipality_id)
    return found


def served_municipalities(organisation_ids: Iterable[int], *, own_when_none: bool = False) -> dict[int, set[int]]:
    """THE rule "this organisation serves that municipality" (issue 13, "one rule, one place"):
    {organisation id: ids of the municipalities whose children it serves}, i.e. those listed in
    `serves_municipalities` plus those it is the configured gemeente of. There is no fallback to the organisation's
    own `municipality` field for a ground on a child (access.policy, notifications).

    `own_when_none=True` adds that fallback for an organisation that serves nothing by the rule: its own
    municipality. Only for gates that are not a ground on a child's record (the emergency button's plausibility
    check, the werkplan's wijkteam side, the thuiszitter overview's municipal scope); safe because an organisation's
    `municipality` is set only by the gemeente's functioneel beheerder or the platform administrator (issue 12,
    finding 1). Organisations serving nothing are absent. Two queries (three with the fallback)."""
    ids = set(organisation_ids)
    found = governed_municipalities(ids)
    through = Organisation.serves_municipalities.through.objects.filter(organisation_id__in=ids)
    for organisation_id, municipality_id in through.values_list("organisation_id", "municipality_id"):
        found.setdefault(organisation_id, set()).add(municipality_id)
    if own_when_none and ids - set(found):
        own = Organisation.objects.filter(pk__in=ids - set(found), municipality__isnull=False)
        for organisation_id, municipality_id in own.values_list("pk", "municipality_id"):
            found[organisation_id] = {municipality_id}
    return found


def serves(organisation_id: int, municipality_id: int | None, *, own_when_none: bool = False) -> bool:
    """Whether one organisation serves one municipality, by `served_municipalities` (False for None)."""
    if municipality_id is None:
        return False
    served = served_municipalities([organisation_id], own_when_none=own_when_none)
    return municipality_id in served.get(organisation_id, set())


def serving_q(municipality_id: int | None, prefix: str = "") -> Q:
    """The same rule as `served_municipalities` (without fallback) as an ORM condition on organisations serving
    `municipality_id`, for an Organisation queryset (`prefix=""`) or across a relation (`prefix="organisation__"`
    from a Membership). Use `.distinct()` on a queryset that joins through it (one row per matching link)."""
    return Q(**{f"{prefix}serves_municipalities": municipality_id}) | Q(
        **{f"{prefix}governed_municipalities__municipality_id": municipality_id}
    )


def is_configured_gemeente(organisation_id: int) -> bool:
    return MunicipalityOrganisation.objects.filter(organisation_id=organisation_id).exists()


def gemeente_memberships(memberships: Iterable[Membership], role: str) -> list[Membership]:
    """The memberships in `role` held at an organisation configured as a gemeente, in the given order."""
    candidates = [m for m in memberships if m.role == role]
    if not candidates:
        return []
    governed = governed_municipalities(m.organisation_id for m in candidates)
    return [m for m in candidates if m.organisation_id in governed]
