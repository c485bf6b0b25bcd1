"""Task rights as data: who may create which organisation, link it, grant or end which role, configure a
municipality and read the administration log. One row per task right; ask it only through `may` (or `refusal`,
which also says why not, in Dutch).

The rule (issue 12, finding 1; docs/access-policy.md, "Administration"):

- the platform administrator (a Django superuser) holds every task right;
- the functioneel beheerder of an organisation *configured* as a gemeente (`MunicipalityOrganisation`, see
  `accounts.authority`) creates and links organisations of every kind but the gemeente itself, and grants and ends
  every professional role, at organisations within its own municipalities;
- the functioneel beheerder of any other organisation manages only the *staff roles* of its own organisation
  (`STAFF_ROLES`): a school's administrator grants and ends teacher, intern begeleider, zorgcoördinator and school
  social worker at its own school, and creates no organisation at all;
- the privacy officer (a staff account that the platform administrator gave the permission
  "Can view administration log entry") reads the administration log.

Who may *receive* a role (never a family member's account; for an organisation's own administrator, only an account
without roles elsewhere) is checked by `accounts.services.grant_role`, for every actor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Model
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rondom.core.roles import PROFESSIONAL_ROLES, ROLE_ORGANISATION_KINDS, OrganisationKind, Role

from .authority import governed_municipalities
from .models import Organisation, User

K = OrganisationKind

#: The roles an organisation's own functioneel beheerder may grant and end at that organisation. A role that is
#: not listed for a kind is granted only by the gemeente's beheerder or the platform administrator (e.g. the
#: functioneel beheerder itself, the policy officer, anything at a school board or samenwerkingsverband).
STAFF_ROLES: dict[str, frozenset[str]] = {
    K.SCHOOL: frozenset({Role.TEACHER, Role.INTERN_BEGELEIDER, Role.ZORGCOORDINATOR, Role.SCHOOL_SOCIAL_WORKER}),
    K.PROVIDER: frozenset({Role.PROVIDER_CONTACT, Role.SCHOOL_SOCIAL_WORKER}),
    K.WIJKTEAM: frozenset({Role.WIJKTEAM_WORKER, Role.SCHOOL_SOCIAL_WORKER}),
    K.GGD: frozenset({Role.YOUTH_DOCTOR}),
    K.LEERPLICHT: frozenset({Role.LEERPLICHT_OFFICER}),
}


class Standing(StrEnum):
    """From where a holder acts."""

    PLATFORM = "platform"  # a Django superuser: the platform's own administrator
    MUNICIPALITY_ADMIN = "municipality_admin"  # functioneel beheerder of a configured gemeente, in its municipalities
    OWN_ADMIN = "own_admin"  # functioneel beheerder of the target organisation itself
    PRIVACY_OFFICER = "privacy_officer"  # staff account with the permission audit.view_administrationlogentry


@dataclass(frozen=True)
class Holder:
    standing: Standing
    #: For OWN_ADMIN: the kinds of organisation at which the own administrator holds the right.
    kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TaskRight:
    key: str
    description: str | Promise  # lazy: translated when shown
    holders: tuple[Holder, ...]


PLATFORM = Holder(Standing.PLATFORM)
MUNICIPALITY_ADMIN = Holder(Standing.MUNICIPALITY_ADMIN)
PRIVACY_OFFICER = Holder(Standing.PRIVACY_OFFICER)

_KIND_LABELS: dict[str, Promise] = {
    K.SCHOOL: _("Create a school"),
    K.SCHOOL_BOARD: _("Create a school board"),
    K.SWV: _("Create a samenwerkingsverband"),
    K.MUNICIPALITY: _("Create a gemeente"),
    K.WIJKTEAM: _("Create a wijkteam"),
    K.PROVIDER: _("Create a youth-care provider"),
    K.GGD: _("Create a GGD"),
    K.LEERPLICHT: _("Create a leerplicht/RMC office"),
    K.KNOWLEDGE: _("Create a knowledge institution"),
}


def _role_holders(role: str) -> tuple[Holder, ...]:
    own_kinds = frozenset(kind for kind, roles in STAFF_ROLES.items() if role in roles)
    if own_kinds:
        return (PLATFORM, MUNICIPALITY_ADMIN, Holder(Standing.OWN_ADMIN, own_kinds))
    return (PLATFORM, MUNICIPALITY_ADMIN)


def _build() -> dict[str, TaskRight]:
    rows: list[TaskRight] = []
    for kind in K.values:
        # Only the platform decides that an organisation is a gemeente (and configures it as one).
        holders = (PLATFORM,) if kind == K.MUNICIPALITY else (PLATFORM, MUNICIPALITY_ADMIN)
        rows.append(TaskRight(f"organisation.create.{kind}", _KIND_LABELS[kind], holders))
    rows.append(
        TaskRight(
            "organisation.link",
            _("Link an organisation (part of, serves municipalities)"),
            (PLATFORM, MUNICIPALITY_ADMIN),
        )
    )
    rows.append(TaskRight("municipality.configure", _("Configure which organisation is the gemeente"), (PLATFORM,)))
    for role in sorted(PROFESSIONAL_ROLES):
        label = Role(role).label
        rows.append(
            TaskRight(f"role.grant.{role}", _lazy_format(_("Grant the role %(role)s"), label), _role_holders(role))
        )
        rows.append(TaskRight(f"role.end.{role}", _lazy_format(_("End the role %(role)s"), label), _role_holders(role)))
    rows.append(TaskRight("administration_log.read", _("Read the administration log"), (PLATFORM, PRIVACY_OFFICER)))
    rows.append(
        TaskRight(
            "emergency.review.any",
            _("Review every organisation's emergency uses (privacy officer)"),
            (PLATFORM, PRIVACY_OFFICER),
        )
    )
    return {row.key: row for row in rows}


def _fill(template: Promise, label: Promise) -> str:
    return str(template) % {"role": str(label)}


#: "Grant the role Teacher", translated when shown (not when the table is built at import).
_lazy_format = lazy(_fill, str)


#: Every task right, by key.
TASKS: dict[str, TaskRight] = _build()


def municipalities_administered(user: User) -> set[int]:
    """The municipalities of which `user` is the functioneel beheerder of the configured gemeente."""
    admin_orgs = [m.organisation_id for m in user.roles() if m.role == Role.FUNCTIONAL_ADMIN]
    if not admin_orgs:
        return set()
    return {pk for ids in governed_municipalities(admin_orgs).values() for pk in ids}


def _within(organisation: Organisation, municipalities: set[int], served: Iterable[Any] = ()) -> bool:
    """An organisation (saved or planned) lies within the administrator's municipalities: it belongs to one of them,
    and every municipality it serves or is to serve is one of them."""
    if organisation.municipality_id not in municipalities:
        return False
    return all(pk_of(m) in municipalities for m in served)


def pk_of(value: Any) -> Any:
    """The primary key of a model instance, or the value itself (an id)."""
    return value.pk if isinstance(value, Model) else value


@dataclass(frozen=True)
class LinkTarget:
    """Target of `organisation.link` and `organisation.create.*`: the organisation with its planned links."""

    organisation: Organisation
    parent: Organisation | None = None
    serves: tuple[Any, ...] = ()


def refusal(user: User, task: str, target: Organisation | LinkTarget | None = None) -> str | None:
    """None when `user` holds task right `task` for `target`, else the reason in the user's language (Dutch first).

    `target`: for `organisation.create.<kind>` and `organisation.link` a LinkTarget (or the Organisation);
    for `role.grant.<role>` and `role.end.<role>` the organisation where the role is held; nothing otherwise.
    Raises KeyError for a task that is not in TASKS (a programming error, never user input)."""
    right = TASKS[task]
    if not user.is_authenticated or not user.is_active:
        return gettext("Log in first.")
    link = target if isinstance(target, LinkTarget) else LinkTarget(target) if target is not None else None
    for holder in right.holders:
        if holder.standing == Standing.PLATFORM and user.is_superuser:
            return None
        if (
            holder.standing == Standing.PRIVACY_OFFICER
            and user.is_staff
            and user.has_perm("audit.view_administrationlogentry")
        ):
            return None
        if holder.standing == Standing.MUNICIPALITY_ADMIN and link is not None:
            municipalities = municipalities_administered(user)
            if (
                municipalities
                and _within(link.organisation, municipalities, link.serves)
                and (link.parent is None or _within(link.parent, municipalities))
            ):
                return None
        if holder.standing == Standing.OWN_ADMIN and link is not None:
            organisation = link.organisation
            if (
                organisation.pk
                and organisation.kind in holder.kinds
                and any(m.role == Role.FUNCTIONAL_ADMIN and m.organisation_id == organisation.pk for m in user.roles())
            ):
                return None
    return _why_not(user, task, link)


def _why_not(user: User, task: str, link: LinkTarget | None) -> str:
    if task.startswith("organisation.create."):
        return gettext(
            "Only the functioneel beheerder of the gemeente or the platform administrator creates an organisation "
            "of this kind, within the gemeente's own municipalities."
        )
    if task == "organisation.link":
        return gettext(
            "Only the functioneel beheerder of the gemeente or the platform administrator links organisations, "
            "within the gemeente's own municipalities."
        )
    if task.startswith(("role.grant.", "role.end.")):
        role = task.rsplit(".", 1)[1]
        if link is not None and any(
            m.role == Role.FUNCTIONAL_ADMIN and m.organisation_id == link.organisation.pk for m in user.roles()
        ):
            return gettext(
                "As functioneel beheerder of this organisation you manage only its staff roles; the role %(role)s "
                "is granted by the functioneel beheerder of the gemeente."
            ) % {"role": Role(role).label}
        return gettext("You do not manage this organisation.")
    return gettext("Only the platform administrator or the privacy officer may do this.")


def may(user: User, task: str, target: Organisation | LinkTarget | None = None) -> bool:
    """Whether `user` holds task right `task` for `target` (see `refusal` for the shapes)."""
    return refusal(user, task, target) is None


def role_fits(role: str, organisation: Organisation) -> bool:
    """The declarative table in roles.py: a role is held only at organisations of the kinds it fits."""
    return organisation.kind in ROLE_ORGANISATION_KINDS.get(role, frozenset())
