"""Writes to children's records. Each runs in one transaction with its access-log row."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import policy
from rondom.access.categories import Action, DataCategory
from rondom.access.rules import SCHOOL_ROLE_RULES
from rondom.accounts.models import Organisation, User
from rondom.accounts.roles import OrganisationKind
from rondom.audit import services as audit

from .bsn import blind_index, bsn_error
from .models import Child, ChildNote, Municipality, Wijk


class Conflict(Exception):
    """Someone else changed the record since it was read: nothing was written."""


def _validate_child(data: dict[str, Any], child: Child | None = None) -> None:
    errors: dict[str, str] = {}
    dob = data.get("date_of_birth")
    if dob is not None:
        if not isinstance(dob, date):
            errors["date_of_birth"] = _("This is not a date.")
        elif dob > timezone.localdate():
            errors["date_of_birth"] = _("The date of birth lies in the future.")
        elif dob.year < timezone.localdate().year - 30:
            errors["date_of_birth"] = _("This date of birth is too long ago for a child or youth in Rondom.")
    for name in ("youth_care_ended_on", "left_school_on"):
        value = data.get(name)
        if value is not None and value > timezone.localdate():
            errors[name] = _("This date lies in the future.")
    school = data.get("school")
    if school is not None and school.kind != OrganisationKind.SCHOOL:
        errors["school"] = _("This organisation is not a school.")
    wijk: Wijk | None = data.get("wijk")
    municipality: Municipality | None = data.get("home_municipality") or (child.home_municipality if child else None)
    if wijk is not None and municipality is not None and wijk.municipality_id != municipality.pk:
        errors["wijk"] = _("This wijk does not lie in the child's home municipality.")
    bsn = data.get("bsn")
    if bsn:
        error = bsn_error(bsn)
        if error:
            errors["bsn"] = error
        else:
            others = Child.objects.filter(bsn_index=blind_index(bsn))
            if child is not None:
                others = others.exclude(pk=child.pk)
            if others.exists():
                errors["bsn"] = _("A child with this BSN is already registered.")
    for name in ("given_name", "family_name"):
        if name in data and not str(data[name]).strip():
            errors[name] = _("This field is required.")
    if errors:
        raise ValidationError(errors)


def register_child(actor: User, school: Organisation, data: dict[str, Any]) -> Child:
    """Register a pupil at a school where the actor may change basic details."""
    memberships = actor.active_memberships().filter(organisation=school)
    allowed = [m for m in memberships if "w" in SCHOOL_ROLE_RULES.get(m.role, {}).get(DataCategory.IDENTITY, "")]
    if not allowed:
        raise PermissionDenied
    _validate_child({**data, "school": school})
    with transaction.atomic():
        child = Child(
            given_name=data["given_name"].strip(),
            family_name=data["family_name"].strip(),
            date_of_birth=data["date_of_birth"],
            school=school,
            group=data.get("group", ""),
            home_municipality=data["home_municipality"],
            wijk=data.get("wijk"),
        )
        child.set_bsn(data.get("bsn") or "")
        child.save()
        decision = policy.require(actor, child, Action.CREATE, DataCategory.IDENTITY)
        audit.record(actor, decision, child.pk, object_type="child", object_id=child.pk)
    return child


def update_child(actor: User, child: Child, data: dict[str, Any]) -> Child:
    with transaction.atomic():
        decision = policy.require(actor, child, Action.UPDATE, DataCategory.IDENTITY)
        _validate_child(data, child)
        for name in (
            "given_name",
            "family_name",
            "date_of_birth",
            "group",
            "home_municipality",
            "wijk",
            "school",
            "youth_care_ended_on",
            "left_school_on",
        ):
            if name in data:
                setattr(child, name, data[name])
        if "bsn" in data:
            child.set_bsn(data["bsn"] or "")
        child.save()
        audit.record(actor, decision, child.pk, object_type="child", object_id=child.pk)
    return child


def add_note(actor: User, child: Child, category: str, text: str) -> ChildNote:
    if category not in DataCategory.values:
        raise ValidationError({"category": _("Unknown part of the record.")})
    if category == DataCategory.IDENTITY:
        raise ValidationError({"category": _("Basic details are fields of the record, not notes.")})
    if not text.strip():
        raise ValidationError({"text": _("This field is required.")})
    with transaction.atomic():
        decision = policy.require(actor, child, Action.CREATE, category)
        membership = decision.basis.membership if decision.basis else None
        note = ChildNote.objects.create(
            child=child,
            category=category,
            text=text.strip(),
            author=actor,
            author_organisation=membership.organisation if membership else None,
        )
        audit.record(actor, decision, child.pk, object_type="note", object_id=note.pk)
    return note


def update_note(actor: User, note: ChildNote, text: str, *, version: int) -> ChildNote:
    """Change a note; `version` is the version the actor read. A stale version raises Conflict."""
    if not text.strip():
        raise ValidationError({"text": _("This field is required.")})
    with transaction.atomic():
        decision = policy.require(actor, note.child, Action.UPDATE, note.category)
        changed = ChildNote.objects.filter(pk=note.pk, version=version).update(
            text=text.strip(), version=F("version") + 1, updated_at=timezone.now()
        )
        if not changed:
            raise Conflict
        audit.record(actor, decision, note.child_id, object_type="note", object_id=note.pk)
    note.refresh_from_db()
    return note
