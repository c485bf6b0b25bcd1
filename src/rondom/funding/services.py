"""Writing and approving werkplannen: two sides, each by its own role; nothing counts until both agreed."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import tasks
from rondom.accounts.models import Organisation, User
from rondom.core.roles import OrganisationKind
from rondom.versioning import Conflict, save_versioned

from . import budget
from .models import Pilot, Werkplan


def _side(user: User, school: Organisation) -> str:
    """The user's side for this school's werkplan (task right `approve_werkplan`, access.tasks): "school" for the
    school's own support staff, "wijkteam" for a wijkteam serving the school's municipality; PermissionDenied else."""
    for _m, holder in tasks.holdings(user, "approve_werkplan", school):
        return "school" if holder.scope == tasks.Scope.OWN_ORGANISATION else "wijkteam"
    raise PermissionDenied


def write(user: User, school: Organisation, school_year: str, text: str, *, version: int | None = None) -> Werkplan:
    """The school writes (or rewrites) its werkplan; a rewrite needs both approvals again.

    `version` is the version the writer read (0: there was no werkplan yet). If someone saved in between,
    Conflict (rondom.versioning) is raised and nothing is written. The forms always pass it; None (no check) is
    for the demo generator only."""
    if not tasks.may(user, "write_werkplan", school):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": _("Write the werkplan first.")})
    with transaction.atomic():
        plan, _created = Werkplan.objects.select_for_update().get_or_create(
            school=school, school_year=school_year, defaults={"text": text.strip(), "written_by": user}
        )
        if _created and version not in (None, 0):
            raise Conflict(plan.version, [{"field": "text"}])
        if not _created:
            if version == 0:  # the writer saw no werkplan, but someone wrote one in between
                raise Conflict(plan.version, [{"field": "text"}] if plan.text != text.strip() else [])
            fields = {
                "text": text.strip(),
                "written_by": user,
                "school_approved_by": None,
                "school_approved_at": None,
                "wijkteam_approved_by": None,
                "wijkteam_approved_at": None,
            }
            save_versioned(plan, plan.version if version is None else version, fields, submitted={"text": text.strip()})
    return plan


def approve(user: User, plan: Werkplan, *, version: int | None = None) -> Werkplan:
    """Approve for one's own side; the same side twice changes nothing. `version` is the version the approver
    read: approving a text that was rewritten in between raises Conflict."""
    side = _side(user, plan.school)
    with transaction.atomic():
        plan = Werkplan.objects.select_for_update().get(pk=plan.pk)
        if version is not None and plan.version != version:
            raise Conflict(plan.version, [{"field": "text"}])
        if getattr(plan, f"{side}_approved_at") is not None:
            raise ValidationError(_("Your side has already approved this werkplan."))
        setattr(plan, f"{side}_approved_by", user)
        setattr(plan, f"{side}_approved_at", timezone.now())
        plan.save()
    return plan


def may_see_werkplans(user: User) -> bool:
    """The task right behind *Werkplannen* (page and menu): `approve_werkplan` (access.tasks) for some school."""
    return tasks.may(user, "approve_werkplan")


def schools_for(user: User) -> list[tuple[Organisation, str]]:
    """The schools whose werkplan this user writes or approves, with the user's side ("school" or "wijkteam")."""
    found: dict[int, tuple[Organisation, str]] = {}
    municipalities: set[int] = set()
    for m, holder in tasks.holdings(user, "approve_werkplan"):
        if holder.scope == tasks.Scope.OWN_ORGANISATION:
            found[m.organisation_id] = (m.organisation, "school")
        else:
            municipalities |= tasks.reach(m, holder.scope)
    for school in Organisation.objects.filter(kind=OrganisationKind.SCHOOL, municipality_id__in=municipalities):
        found.setdefault(school.pk, (school, "wijkteam"))
    return sorted(found.values(), key=lambda pair: pair[0].name)


# --- a pilot's population budget: recorded by the municipality ------------------------------------------------------


def may_keep_budget(user: User) -> bool:
    """The municipality's policy staff record a pilot's nulmeting, shrink and actual spending (it pools the budget):
    task right `keep_budget` (access.tasks)."""
    return tasks.may(user, "keep_budget")


def parse_parties(text: str) -> dict[str, Decimal]:
    """'Gemeente Zwolle; 980000' per line as {party: amount}. Written as people write it: a comma is the decimal
    sign ("980000,50", "980.000,50"), and dots between groups of three digits are thousands ("980.000" is 980000,
    not 980); a single decimal point ("980000.50") keeps working."""
    found: dict[str, Decimal] = {}
    for number, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        party, _sep, amount = line.rpartition(";")
        amount = amount.strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
        try:
            grouped = "," in amount or re.fullmatch(r"-?\d{1,3}(\.\d{3})+", amount)
            value = Decimal(amount.replace(".", "").replace(",", ".") if grouped else amount)
        except InvalidOperation:
            value = Decimal("NaN")
        if not party.strip() or not value.is_finite():
            raise ValidationError(
                {
                    "baseline": _("Line %(n)d: write a party and an amount, e.g. Gemeente Zwolle; 980000.")
                    % {"n": number}
                }
            )
        if party.strip() in found:
            raise ValidationError({"baseline": _("Line %(n)d: this party is named twice.") % {"n": number}})
        found[party.strip()] = value.quantize(Decimal("0.01"))
    return found


def record_baseline(user: User, pilot: Pilot, baseline: dict[str, Decimal], shrink_percent: Decimal) -> Pilot:
    """Set the nulmeting per party and the agreed yearly shrink; refused (nothing changes) if it does not add up."""
    if not may_keep_budget(user):
        raise PermissionDenied
    try:  # validates: at least one party, no negative spending, a shrink from 0 up to 100 %
        budget.trajectory(baseline, shrink_percent, pilot.years)
    except ValidationError as error:
        found = error.message_dict
        raise ValidationError(
            {("shrink_percent" if key == "shrink" else key): messages for key, messages in found.items()}
        ) from None
    with transaction.atomic():
        pilot = Pilot.objects.select_for_update().get(pk=pilot.pk)
        pilot.baseline = {party: str(amount) for party, amount in baseline.items()}
        pilot.shrink_percent = shrink_percent
        pilot.save(update_fields=["baseline", "shrink_percent"])
    return pilot


def record_actual(user: User, pilot: Pilot, number: int, amount: Decimal) -> Pilot:
    """Record what was actually spent in pilot year `number` (1 = the first school year of the pilot)."""
    if not may_keep_budget(user):
        raise PermissionDenied
    if not 1 <= number <= pilot.years:
        raise ValidationError({"year": _("Choose a year of the pilot, 1 to %(n)d.") % {"n": pilot.years}})
    if not amount.is_finite() or amount < 0:
        raise ValidationError({"amount": _("Spending cannot be negative.")})
    with transaction.atomic():
        pilot = Pilot.objects.select_for_update().get(pk=pilot.pk)
        pilot.actual = {**(pilot.actual or {}), str(number): str(amount.quantize(Decimal("0.01")))}
        pilot.save(update_fields=["actual"])
    return pilot
