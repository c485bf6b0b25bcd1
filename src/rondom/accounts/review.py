"""A review of roles and organisations already in the database against today's rules (access.tasks,
accounts.services): what a school's administrator could make before issue 12's fix (finding 1) stays in a database
until someone looks. `manage.py check_administration` prints these findings; the platform administrator ends the
roles and relinks the organisations through the services, so the changes are logged."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from .authority import governed_municipalities
from .models import Membership, Organisation
from .roles import FAMILY_ROLES, ROLE_ORGANISATION_KINDS, OrganisationKind


@dataclass(frozen=True)
class Finding:
    """One thing to review. `kind` is a stable code, `subject` names the record by type and id (no personal data)."""

    kind: str
    subject: str
    explanation: str


def findings() -> list[Finding]:
    """Every current role or organisation that today's rules would refuse. Reads only; shape: a list of Finding,
    ordered by kind and subject."""
    from rondom.registry.models import Child, Guardianship  # registry builds on accounts: imported late

    today = timezone.localdate()
    current = Membership.objects.select_related("organisation", "user").filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    found: list[Finding] = []
    family_users = (
        set(Guardianship.objects.values_list("user_id", flat=True))
        | set(Child.objects.exclude(youth_account=None).values_list("youth_account_id", flat=True))
        | set(current.exclude(user__bsn_index="").values_list("user_id", flat=True))
    )
    for m in current:
        if m.user_id in family_users or m.role in FAMILY_ROLES:
            found.append(
                Finding("family_account_with_role", f"membership:{m.pk}", "a family account holds a professional role")
            )
        if m.organisation.kind not in ROLE_ORGANISATION_KINDS.get(m.role, frozenset()):
            found.append(Finding("role_does_not_fit", f"membership:{m.pk}", "the role does not fit the organisation"))
    under_school = Organisation.objects.filter(parent__kind=OrganisationKind.SCHOOL).exclude(
        kind=OrganisationKind.SCHOOL
    )
    for organisation in under_school:
        found.append(
            Finding(
                "organisation_under_a_school",
                f"organisation:{organisation.pk}",
                "an organisation of another kind is part of a school",
            )
        )
    gemeenten = list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).values_list("pk", flat=True))
    configured = governed_municipalities(gemeenten)
    for pk in gemeenten:
        if pk not in configured:
            found.append(
                Finding(
                    "unconfigured_gemeente",
                    f"organisation:{pk}",
                    "an organisation of the kind gemeente that is not configured as one: it has no authority",
                )
            )
    return sorted(found, key=lambda f: (f.kind, f.subject))
