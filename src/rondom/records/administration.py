"""Organisations and memberships: validated, transactional writes, each allowed by a task right (access.tasks) and
written to the administration log (audit.AdministrationLogEntry) in the same transaction.

Every way in goes through here: the API (accounts.api), the Django admin (accounts.admin) and the demo's seed are
the only writers of organisations, memberships and the gemeente configuration. A refusal raises
`django.core.exceptions.PermissionDenied` with the reason in Dutch and changes nothing; bad data raises
`ValidationError` naming the field."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from rondom.access import tasks
from rondom.accounts.models import (
    Membership,
    MunicipalityOrganisation,
    Organisation,
    User,
    brin_validator,
    vestiging_validator,
)
from rondom.audit.models import AdministrationAction
from rondom.audit.services import record_administration
from rondom.core.roles import PROFESSIONAL_ROLES, OrganisationKind, role_fits_kind


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


def standing_of(actor: User, organisation: Organisation | None = None) -> str:
    """How the actor acted, for the administration log: platform, municipality_admin or own_admin."""
    if actor.is_superuser:
        return tasks.Standing.PLATFORM
    if (
        organisation is not None
        and tasks.is_own_admin(actor, organisation)
        and not tasks.municipalities_administered(actor)
    ):
        return tasks.Standing.OWN_ADMIN
    return tasks.Standing.MUNICIPALITY_ADMIN


def _require(actor: User, task: str, target: Organisation | tasks.LinkTarget | None = None) -> None:
    reason = tasks.refusal(actor, task, target)
    if reason is not None:
        raise PermissionDenied(reason)


def create_organisation(actor: User, data: dict[str, Any]) -> Organisation:
    """Create an organisation of `data["kind"]` (task right `organisation.create.<kind>`); its parent (`parent`) and
    served municipalities (`serves_municipalities`, ids or Municipality objects) count as links. Logged as
    `create_organisation`. Raises PermissionDenied (not allowed) or ValidationError (bad data)."""
    data = dict(data)
    # A BRIN and vestiging are normalised first where that is safe (surrounding spaces, ``12ab`` -> ``12AB``);
    # other digits than 0-9 stay refused by the validators.
    for name in ("brin", "vestiging"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip().upper()
    kind = data.get("kind")
    if kind not in OrganisationKind.values:
        raise ValidationError({"kind": _("Unknown kind of organisation.")})
    serves = list(data.pop("serves_municipalities", []) or [])
    planned = Organisation(
        name=data.get("name", ""), kind=kind, municipality=data.get("municipality"), parent=data.get("parent")
    )
    _require(actor, f"organisation.create.{kind}", tasks.LinkTarget(planned, data.get("parent"), tuple(serves)))
    validate_organisation(data)
    with transaction.atomic():
        if kind == OrganisationKind.SCHOOL and not data.get("vestiging"):
            data["vestiging"] = "00"
        organisation = Organisation.objects.create(**data)
        if serves:
            organisation.serves_municipalities.set(serves)
        record_administration(
            actor,
            AdministrationAction.CREATE_ORGANISATION,
            standing=standing_of(actor),
            organisation=organisation,
            detail={
                "parent": organisation.parent_id,
                "serves_municipalities": sorted(tasks.pk_of(m) for m in serves),
            },
        )
    return organisation


def link_organisation(
    actor: User, organisation: Organisation, *, parent: Organisation | None, serves: list[Any]
) -> Organisation:
    """Set what an organisation is part of and which municipalities it serves (task right `organisation.link`: the
    serving decides whose children a GGD, wijkteam or leerplicht office reaches). Logged as `link_organisation`
    with the old and new links."""
    _require(actor, "organisation.link", tasks.LinkTarget(organisation, parent, tuple(serves)))
    if parent is not None and parent.pk == organisation.pk:
        raise ValidationError({"part_of": _("An organisation cannot be part of itself.")})
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = {
            "parent": organisation.parent_id,
            "serves_municipalities": sorted(organisation.serves_municipalities.values_list("pk", flat=True)),
        }
        organisation.parent = parent
        organisation.save(update_fields=["parent"])
        organisation.serves_municipalities.set(serves)
        after = {"parent": organisation.parent_id, "serves_municipalities": sorted(tasks.pk_of(m) for m in serves)}
        record_administration(
            actor,
            AdministrationAction.LINK_ORGANISATION,
            standing=standing_of(actor),
            organisation=organisation,
            detail={"before": before, "after": after},
        )
    return organisation


def configure_municipality(actor: User, organisation: Organisation, municipality: Any) -> MunicipalityOrganisation:
    """Record that `organisation` is the gemeente of `municipality` (task right `municipality.configure`: the
    platform administrator only). Replaces an earlier configuration for that municipality; logged."""
    _require(actor, "municipality.configure")
    if organisation.kind != OrganisationKind.MUNICIPALITY:
        raise ValidationError({"organisation": _("Only an organisation of the kind gemeente can be a gemeente.")})
    with transaction.atomic():
        config, _created = MunicipalityOrganisation.objects.update_or_create(
            municipality=municipality,
            defaults={"organisation": organisation, "configured_by": actor, "configured_at": timezone.now()},
        )
        record_administration(
            actor,
            AdministrationAction.CONFIGURE_MUNICIPALITY,
            standing=standing_of(actor),
            organisation=organisation,
            detail={"municipality": municipality.pk},
        )
    return config


def is_family_account(user: User) -> bool:
    """A parent's or youth's account: linked to a child as guardian or as the youth's own account, or a parent's
    DigiD link. Such an account never holds a professional role (it logs in without a second factor, and a family
    member would read other families' children)."""
    # Guardianship.user and Child.youth_account (registry, built on accounts) as seen from the user.
    return bool(
        user.bsn_index
        or User.objects.filter(pk=user.pk, guardianships__isnull=False).exists()
        or User.objects.filter(pk=user.pk, own_record__isnull=False).exists()
    )


def refuse_self_grant(actor: User, organisation: Organisation, role: str, *, today: date) -> None:
    """The rule against giving oneself a role (grant_role; also for an account whose secret the actor holds, such
    as an API client's service account, rondom.apiclients.services): the actor gets no role through it that he does
    not already hold at `organisation` (a period not
    ended before `today`); only the platform administrator may. Raises PermissionDenied with
    the Dutch reason, else nothing."""
    if actor.is_superuser:
        return
    held = Membership.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today),
        user=actor,
        organisation=organisation,
        role=role,
    )
    if not held.exists() or not actor.is_active:
        raise PermissionDenied(_("You cannot give yourself a role: ask another administrator."))


def grant_role(
    actor: User,
    user: User,
    organisation: Organisation,
    role: str,
    valid_from: date | None = None,
    valid_until: date | None = None,
    *,
    today: date | None = None,
) -> Membership:
    """Give `user` the role `role` at `organisation` (task right `role.grant.<role>`) from `valid_from` (default
    and earliest: `today`, the local date unless passed in) until `valid_until` (inclusive; None: open-ended).

    Someone who left and comes back gets the role back: when the earlier period of this role ended before
    `valid_from`, a new Membership row starts (the old row stays as it was, so history stays readable); when it
    has an end date on or after `valid_from` (ended today, or an end planned ahead), that end is lifted and the
    grant's `valid_until` applies. Either way the grant is logged as `grant_role` (the lifted end in
    ``detail["reopened"]``) in the same transaction.

    Refused with a Dutch reason: a role that does not fit the organisation's kind, a start before `today`, an end
    before the start, a role the person already holds without an end (400, ValidationError keyed by field); a
    family account or the actor itself (403), and for an organisation's own administrator, an account that holds
    a role at another organisation (403, PermissionDenied)."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if role not in PROFESSIONAL_ROLES:
        errors["role"] = _("Parents and youths hold no role in an organisation.")
    elif not role_fits_kind(role, organisation.kind):
        errors["role"] = _("The role %(role)s does not fit an organisation of the kind %(kind)s.") % {
            "role": role,
            "kind": organisation.get_kind_display(),
        }
    if valid_from is not None and valid_from < today:
        errors["valid_from"] = _("A role starts today or later, not in the past.")
    valid_from = max(valid_from or today, today)
    if valid_until and valid_until < valid_from:
        errors["valid_until"] = _("The end date lies before the start date.")
    if errors:
        raise ValidationError(errors)
    _require(actor, f"role.grant.{role}", organisation)
    if user.pk == actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("You cannot give yourself a role: ask another administrator."))
    if is_family_account(user):
        raise PermissionDenied(_("This is the account of a parent or youth: it cannot hold a professional role."))
    if not actor.is_superuser:
        current = user.memberships.select_related("organisation").filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )
        elsewhere = [m for m in current if not tasks.may(actor, f"role.grant.{m.role}", m.organisation)]
        if elsewhere:
            raise PermissionDenied(
                _("This account holds a role at an organisation you do not manage; ask the gemeente's administrator.")
            )
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied(_("Only the platform administrator gives roles to a platform administrator."))
    return _write_grant(
        actor, user, organisation, role, valid_from, valid_until, standing=standing_of(actor, organisation)
    )


def _write_grant(
    actor: User | None,
    user: User,
    organisation: Organisation,
    role: str,
    valid_from: date,
    valid_until: date | None,
    *,
    standing: str,
    extra: dict[str, str] | None = None,
) -> Membership:
    """The checked grant written and logged in one transaction (see grant_role); `actor` None is the system."""
    held = _("This person already holds this role in this organisation.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one person's grants are decided in turn
        periods = Membership.objects.filter(user=user, organisation=organisation, role=role)
        if periods.filter(valid_until__isnull=True).exists():
            raise ValidationError({"role": held})
        running = periods.filter(valid_until__gte=valid_from).order_by("valid_from").first()
        lifted: date | None = None
        if running is not None:  # still held on the start day: lift the end instead of a second, overlapping row
            lifted = running.valid_until
            running.valid_from = min(running.valid_from, valid_from)
            running.valid_until = valid_until
            running.save(update_fields=["valid_from", "valid_until"])
            membership = running
        else:
            try:
                with transaction.atomic():  # a concurrent double submit meets the unique constraint, not a 500
                    membership = Membership.objects.create(
                        user=user, organisation=organisation, role=role, valid_from=valid_from, valid_until=valid_until
                    )
            except IntegrityError:
                raise ValidationError({"role": held}) from None
        detail = {"valid_from": str(membership.valid_from), "valid_until": str(valid_until or "")}
        if lifted is not None:
            detail["reopened"] = str(lifted)
        detail.update(extra or {})
        record_administration(
            actor,
            AdministrationAction.GRANT_ROLE,
            standing=standing,
            organisation=organisation,
            subject=user,
            role=role,
            membership_id=membership.pk,
            detail=detail,
        )
    return membership


def configure_sso(actor: User, organisation: Organisation, value: str) -> Organisation:
    """Set the value by which the professionals' identity provider names `organisation` in its organisation claim
    (Organisation.sso_value; docs/sso.md). Who has it may get a just-in-time account there at a single sign-on, so
    only the platform administrator sets it. `value` is stripped; empty switches single sign-on off for the
    organisation. Logged as `configure_sso` (old and new value in `detail`) in the same transaction.

    Raises PermissionDenied (not the platform administrator) or ValidationError({"sso_value": ...}) when another
    organisation has the value already."""
    if not actor.is_superuser:
        raise PermissionDenied(_("Only the platform administrator configures single sign-on."))
    value = (value or "").strip()
    if len(value) > 200:
        raise ValidationError({"sso_value": _("At most 200 characters.")})
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if value and Organisation.objects.filter(sso_value=value).exclude(pk=locked.pk).exists():
            raise ValidationError({"sso_value": _("Another organisation already has this identity provider value.")})
        before = locked.sso_value
        if before == value:
            return locked
        locked.sso_value = value
        locked.save(update_fields=["sso_value"])
        record_administration(
            actor,
            AdministrationAction.CONFIGURE_SSO,
            standing=standing_of(actor, locked),
            organisation=locked,
            detail={"sso_value": value, "before": before},
        )
    organisation.sso_value = value
    return locked


#: The administration log's `actor_standing` of a role granted at a single sign-on (records.staff_sso).
IDENTITY_PROVIDER_STANDING = "identity_provider"


def grant_role_at_sign_in(user: User, organisation: Organisation, role: str, *, issuer: str, today: date) -> Membership:
    """The system's grant of a just-in-time account's role (records.staff_sso, docs/sso.md): `user` gets `role` at
    `organisation` from `today`, open-ended, because the organisation's own identity provider says so at a single
    sign-on. No person acts, so no task right applies; the rules that do not depend on an actor are the same as in
    grant_role: the role must be professional and fit the organisation's kind (core.roles), and a family account
    or a platform administrator never gets a role this way. Logged as `grant_role` with the actor "systeem",
    standing IDENTITY_PROVIDER_STANDING and the issuer in `detail["issuer"]`, in the same transaction.

    Raises ValidationError({"role": ...}) for an unfit role or one already held, PermissionDenied for a family or
    platform account."""
    if role not in PROFESSIONAL_ROLES or not role_fits_kind(role, organisation.kind):
        raise ValidationError(
            {
                "role": _("The role %(role)s does not fit an organisation of the kind %(kind)s.")
                % {"role": role, "kind": organisation.get_kind_display()}
            }
        )
    if is_family_account(user):
        raise PermissionDenied(_("This is the account of a parent or youth: it cannot hold a professional role."))
    if user.is_superuser:
        raise PermissionDenied(_("Only the platform administrator gives roles to a platform administrator."))
    return _write_grant(
        None,
        user,
        organisation,
        role,
        today,
        None,
        standing=IDENTITY_PROVIDER_STANDING,
        extra={"issuer": issuer, "via": "single_sign_on"},
    )


def end_role(
    actor: User,
    membership: Membership,
    on: date | None = None,
    *,
    today: date | None = None,
    immediately: bool = False,
) -> Membership:
    """End a role: its last day becomes `on` (default `today`, the local date unless passed in; not in the past,
    never later than an earlier end). With `immediately` (ending an account at once, records.staff.end_account) the
    last day is the day before `today`, so the role no longer counts today (`User.active_memberships`); a role that
    had not started yet then never starts. Task right `role.end.<role>`; logged as `end_role`. The membership is
    kept, so history stays readable. Raises PermissionDenied (not allowed, or one's own administrator role) or
    ValidationError keyed `valid_until` (in the past, or already ending by then)."""
    today = today or timezone.localdate()
    on = today - timedelta(days=1) if immediately else (on or today)
    _require(actor, f"role.end.{membership.role}", membership.organisation)
    if membership.user_id == actor.pk and not actor.is_superuser and membership.role == tasks.ADMINISTRATOR_ROLE:
        raise PermissionDenied(_("You cannot end your own administrator role: ask another administrator."))
    if on < today and not immediately:
        raise ValidationError({"valid_until": _("A role cannot end in the past.")})
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("organisation", "user").get(pk=membership.pk)
        if locked.valid_until is not None and locked.valid_until <= on:
            raise ValidationError(
                {"valid_until": _("This role already ends on %(date)s.") % {"date": date_format(locked.valid_until)}}
            )
        if on < locked.valid_from and not immediately:
            on = locked.valid_from
        before = locked.valid_until
        locked.valid_until = on
        locked.save(update_fields=["valid_until"])
        record_administration(
            actor,
            AdministrationAction.END_ROLE,
            standing=standing_of(actor, locked.organisation),
            organisation=locked.organisation,
            subject=locked.user,
            role=locked.role,
            membership_id=locked.pk,
            detail={"valid_until": str(on), "before": str(before or "")},
        )
    return locked
