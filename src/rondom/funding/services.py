"""Writing and approving werkplannen: two sides, each by its own role; nothing counts until both agreed."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.accounts.models import Organisation, User
from rondom.accounts.roles import Role

from .models import Werkplan

SCHOOL_SIDE = frozenset({Role.INTERN_BEGELEIDER, Role.ZORGCOORDINATOR})
WIJKTEAM_SIDE = frozenset({Role.WIJKTEAM_WORKER})


def _side(user: User, school: Organisation) -> str:
    for m in user.roles():
        if m.role in SCHOOL_SIDE and m.organisation_id == school.pk:
            return "school"
        if (
            m.role in WIJKTEAM_SIDE
            and school.municipality_id is not None
            and (
                m.organisation.serves_municipalities.filter(pk=school.municipality_id).exists()
                or m.organisation.municipality_id == school.municipality_id
            )
        ):
            return "wijkteam"
    raise PermissionDenied


def write(user: User, school: Organisation, school_year: str, text: str) -> Werkplan:
    """The school writes (or rewrites) its werkplan; a rewrite needs both approvals again."""
    if _side(user, school) != "school":
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": _("Write the werkplan first.")})
    with transaction.atomic():
        plan, _created = Werkplan.objects.select_for_update().get_or_create(
            school=school, school_year=school_year, defaults={"text": text.strip(), "written_by": user}
        )
        if not _created:
            plan.text, plan.written_by = text.strip(), user
            plan.school_approved_by = plan.school_approved_at = None
            plan.wijkteam_approved_by = plan.wijkteam_approved_at = None
            plan.save()
    return plan


def approve(user: User, plan: Werkplan) -> Werkplan:
    """Approve for one's own side; the same side twice changes nothing."""
    side = _side(user, plan.school)
    with transaction.atomic():
        plan = Werkplan.objects.select_for_update().get(pk=plan.pk)
        if getattr(plan, f"{side}_approved_at") is not None:
            raise ValidationError(_("Your side has already approved this werkplan."))
        setattr(plan, f"{side}_approved_by", user)
        setattr(plan, f"{side}_approved_at", timezone.now())
        plan.save()
    return plan


def schools_for(user: User) -> list[tuple[Organisation, str]]:
    """The schools whose werkplan this user writes or approves, with the user's side ("school" or "wijkteam")."""
    from rondom.accounts.roles import OrganisationKind

    found: dict[int, tuple[Organisation, str]] = {}
    municipalities: set[int] = set()
    for m in user.roles():
        if m.role in SCHOOL_SIDE and m.organisation.kind == OrganisationKind.SCHOOL:
            found[m.organisation_id] = (m.organisation, "school")
        elif m.role in WIJKTEAM_SIDE:
            municipalities |= set(m.organisation.serves_municipalities.values_list("pk", flat=True))
            if m.organisation.municipality_id:
                municipalities.add(m.organisation.municipality_id)
    for school in Organisation.objects.filter(kind=OrganisationKind.SCHOOL, municipality_id__in=municipalities):
        found.setdefault(school.pk, (school, "wijkteam"))
    return sorted(found.values(), key=lambda pair: pair[0].name)
