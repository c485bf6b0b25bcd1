"""Organisations and memberships: validated, transactional writes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Membership, Organisation, User, brin_validator, vestiging_validator
from .roles import OrganisationKind, role_fits_kind


def validate_organisation(data: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in OrganisationKind.values:
        errors["kind"] = _("Unknown kind of organisation.")
    if not str(data.get("name", "")).strip():
        errors["name"] = _("This field is required.")
    brin, vestiging, school_type = data.get("brin", ""), data.get("vestiging", ""), data.get("school_type", "")
    if kind == OrganisationKind.SCHOOL:
        if not brin:
            errors["brin"] = _("A school needs a BRIN number.")
        if not school_type:
            errors["school_type"] = _("A school needs a school type (po, sbo, so, vo, pro, vso or mbo).")
    elif kind in OrganisationKind.values:
        if brin or vestiging:
            errors["brin"] = _("Only schools have a BRIN number.")
        if school_type:
            errors["school_type"] = _("Only schools have a school type.")
    for field, validator, value in (("brin", brin_validator, brin), ("vestiging", vestiging_validator, vestiging)):
        if value and field not in errors:
            try:
                validator(value)
            except ValidationError as exc:
                errors[field] = exc.messages[0]
    if brin and "brin" not in errors and Organisation.objects.filter(brin=brin, vestiging=vestiging or "00").exists():
        errors["vestiging"] = _("This school location (BRIN and vestiging) is already registered.")
    if errors:
        raise ValidationError(errors)


def create_organisation(data: dict[str, Any]) -> Organisation:
    """Create an organisation after :func:`validate_organisation`. A BRIN and vestiging are normalised first where
    that is safe (surrounding spaces, ``12ab`` -> ``12AB``); other digits than 0-9 stay refused by the validators."""
    for name in ("brin", "vestiging"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip().upper()
    validate_organisation(data)
    with transaction.atomic():
        serves = data.pop("serves_municipalities", [])
        if data.get("kind") == OrganisationKind.SCHOOL and not data.get("vestiging"):
            data["vestiging"] = "00"
        organisation = Organisation.objects.create(**data)
        if serves:
            organisation.serves_municipalities.set(serves)
    return organisation


def add_membership(
    user: User, organisation: Organisation, role: str, valid_from: date | None = None, valid_until: date | None = None
) -> Membership:
    errors: dict[str, str] = {}
    if not role_fits_kind(role, organisation.kind):
        errors["role"] = _("The role %(role)s does not fit an organisation of the kind %(kind)s.") % {
            "role": role,
            "kind": organisation.get_kind_display(),
        }
    if valid_from and valid_until and valid_until < valid_from:
        errors["valid_until"] = _("The end date lies before the start date.")
    if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
        errors["role"] = _("This person already holds this role in this organisation.")
    if errors:
        raise ValidationError(errors)
    kwargs: dict[str, Any] = {"valid_until": valid_until}
    if valid_from:
        kwargs["valid_from"] = valid_from
    return Membership.objects.create(user=user, organisation=organisation, role=role, **kwargs)
