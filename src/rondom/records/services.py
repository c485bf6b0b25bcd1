"""Writes to children's records. Each runs in one transaction with its access-log row."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom import rollups
from rondom.access import log, policy
from rondom.access.rules import SCHOOL_ROLE_RULES
from rondom.accounts.models import Organisation, User
from rondom.core.categories import Action, DataCategory
from rondom.core.roles import OrganisationKind
from rondom.idempotency import recent_duplicate
from rondom.limits import name_error, text_error
from rondom.registry.bsn import blind_index, bsn_error, normalise_bsn
from rondom.registry.models import Child, ChildNote, Municipality, RefusedBsn, Wijk
from rondom.registry.names import search_key
from rondom.versioning import Conflict, save_versioned

__all__ = [
    "BSN_REFUSED",
    "Conflict",
    "add_note",
    "register_child",
    "require_may_register_at",
    "update_child",
    "update_note",
]


def bsn_refused_message() -> str:
    """The one answer to every refused BSN — not a valid number, or a number already on another child's record.

    Both refusals read the same, so the answer never tells whether a child with this BSN exists elsewhere
    (AVG art. 5(1)(f); finding 8 of issue 12). The elfproef is public knowledge, so naming it reveals nothing."""
    return _(
        "This BSN cannot be saved. Check the 9 digits (they must pass the elfproef); if the number is right, "
        "ask your functional administrator."
    )


BSN_REFUSED = "bsn_refused"


def _refuse_bsn_elsewhere(actor: User | None, child: Child | None, school: Organisation | None) -> ValidationError:
    """Log the attempt for the privacy officer (in its own transaction, so a rollback keeps it) and return the
    neutral refusal."""
    RefusedBsn.objects.create(
        occurred_at=timezone.now(),
        user=actor,
        child_id_edited=child.pk if child is not None else None,
        school=school or (child.school if child is not None else None),
    )
    return ValidationError({"bsn": bsn_refused_message()}, code=BSN_REFUSED)


def _validate_child(data: dict[str, Any], child: Child | None = None, actor: User | None = None) -> None:
    errors: dict[str, str] = {}
    bsn_elsewhere = False
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
            digits = normalise_bsn(bsn)
            # Other characters than 0-9 get their own reason (it tells nothing about any child); every other refusal
            # reads the same as "already on another child's record" (below), so the answer reveals nothing.
            errors["bsn"] = error if not (digits.isascii() and digits.isdigit()) else bsn_refused_message()
        else:
            others = Child.objects.filter(bsn_index=blind_index(bsn))
            if child is not None:
                others = others.exclude(pk=child.pk)
            if others.exists():
                errors["bsn"] = bsn_refused_message()
                bsn_elsewhere = True
    for name in ("given_name", "family_name"):
        if name in data:
            problem = name_error(str(data[name]))
            if problem:
                errors[name] = problem
    if errors:
        if bsn_elsewhere:
            _refuse_bsn_elsewhere(actor, child, data.get("school"))
        raise ValidationError(errors)


def require_may_register_at(actor: User, school: Organisation) -> None:
    """Raise PermissionDenied unless ``actor`` may register children at ``school``: an active membership there in a
    school role that may write basic details (rondom.access.rules.SCHOOL_ROLE_RULES, category identity "w").

    The one rule for both putting a child on a school's roll: registering it (register_child) and moving it there
    (update_child)."""
    memberships = actor.active_memberships().filter(organisation=school)
    if not any("w" in SCHOOL_ROLE_RULES.get(m.role, {}).get(DataCategory.IDENTITY, "") for m in memberships):
        raise PermissionDenied


def register_child(actor: User, school: Organisation, data: dict[str, Any]) -> Child:
    """Register a pupil at a school where the actor may change basic details (require_may_register_at)."""
    require_may_register_at(actor, school)
    _validate_child({**data, "school": school}, actor=actor)
    try:
        return _create_child(actor, school, data)
    except IntegrityError:
        # Another registration took the same BSN between the check and the insert: the same neutral answer.
        scratch = Child()
        scratch.set_bsn(data.get("bsn") or "")
        bsn_index = scratch.bsn_index
        if bsn_index and Child.objects.filter(bsn_index=bsn_index).exists():
            raise _refuse_bsn_elsewhere(actor, None, school) from None
        raise


def _create_child(actor: User, school: Organisation, data: dict[str, Any]) -> Child:
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
        log.log_change(actor, decision, child, action=Action.CREATE, object_type="child", object_id=child.pk)
    return child


CHILD_EDITABLE_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "group",
    "home_municipality",
    "wijk",
    "school",
    "youth_care_ended_on",
    "left_school_on",
)


def update_child(actor: User, child: Child, data: dict[str, Any], *, version: int) -> Child:
    """Change a child's basic details. `version` is the version the actor read (registry.Child.version).

    Raises ValidationError (field → Dutch reason; nothing changed), PermissionDenied, or Conflict when someone
    saved in between (nothing of the actor's written; Conflict.changes names the fields that differ now). The
    version check and raise are one UPDATE (rondom.versioning.save_versioned), safe under concurrent writers.

    A new ``school`` must be one where the actor may register children (require_may_register_at, as for a
    registration; else PermissionDenied); ``school: None`` is refused (ValidationError): a child leaving every
    school is its own act, not a change of basic details."""
    decision = policy.require(actor, child, Action.UPDATE, DataCategory.IDENTITY)
    if "school" in data:
        new_school: Organisation | None = data["school"]
        if new_school is None:
            raise ValidationError(
                {
                    "school": _(
                        "A child stays registered at a school: choose the school where the child is enrolled. "
                        "Leaving every school cannot be recorded by changing the school."
                    )
                }
            )
        if new_school.pk != child.school_id:
            require_may_register_at(actor, new_school)
    _validate_child(data, child, actor)
    fields = {name: data[name] for name in CHILD_EDITABLE_FIELDS if name in data}
    for name in ("given_name", "family_name"):
        if name in fields:
            fields[name] = str(fields[name]).strip()
    if "given_name" in fields or "family_name" in fields:  # the search form follows the name (docs/search.md)
        fields["search_name"] = search_key(
            fields.get("given_name", child.given_name), fields.get("family_name", child.family_name)
        )
    if "bsn" in data:
        scratch = Child()
        scratch.set_bsn(data["bsn"] or "")
        fields["bsn_encrypted"], fields["bsn_index"] = scratch.bsn_encrypted, scratch.bsn_index
    submitted = {k: v for k, v in data.items() if k in CHILD_EDITABLE_FIELDS}
    try:
        with transaction.atomic():
            # A new school moves the child's goal scores to the new school's months; the versioned UPDATE is seen by
            # no save hook, so queue the old school's months and then the new one's (rondom.rollups, issue 17).
            moves = "school" in fields and fields["school"].pk != child.school_id
            if moves:
                rollups.queue().mark_children_moved([child.pk], "school change")
            save_versioned(child, version, fields, submitted=submitted)
            if moves:
                rollups.queue().mark_children_moved([child.pk], "school change")
            log.log_change(actor, decision, child, action=Action.UPDATE, object_type="child", object_id=child.pk)
    except IntegrityError:
        if (
            fields.get("bsn_index")
            and Child.objects.filter(bsn_index=fields["bsn_index"]).exclude(pk=child.pk).exists()
        ):
            raise _refuse_bsn_elsewhere(actor, child, None) from None
        raise
    return child


def add_note(actor: User, child: Child, category: str, text: str) -> ChildNote:
    if category not in DataCategory.values:
        raise ValidationError({"category": _("Unknown part of the record.")})
    if category == DataCategory.IDENTITY:
        raise ValidationError({"category": _("Basic details are fields of the record, not notes.")})
    problem = text_error(text)
    if problem:
        raise ValidationError({"text": problem})
    with transaction.atomic():
        decision = policy.require(actor, child, Action.CREATE, category)
        membership = decision.basis.membership if decision.basis else None
        same = recent_duplicate(
            ChildNote.objects.filter(child=child, category=category, author=actor, text=text.strip()),
            "created_at",
            lock=child,
        )
        if same is not None:  # a double submit: the note already exists, answer with it
            return same
        note = ChildNote.objects.create(
            child=child,
            category=category,
            text=text.strip(),
            author=actor,
            author_organisation=membership.organisation if membership else None,
        )
        log.log_change(actor, decision, child, action=Action.CREATE, object_type="note", object_id=note.pk)
    return note


def update_note(actor: User, note: ChildNote, text: str, *, version: int) -> ChildNote:
    """Change a note; `version` is the version the actor read. A stale version raises Conflict."""
    problem = text_error(text)
    if problem:
        raise ValidationError({"text": problem})
    with transaction.atomic():
        decision = policy.require(actor, note.child, Action.UPDATE, note.category)
        save_versioned(note, version, {"text": text.strip()})
        log.log_change(actor, decision, note.child_id, action=Action.UPDATE, object_type="note", object_id=note.pk)
    note.refresh_from_db()
    return note
