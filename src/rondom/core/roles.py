"""Organisation kinds and roles, and the declarative table of which role fits which kind.

A domain expert can read this file: it is the only place that says, for example, that a
leerplichtambtenaar works at a leerplicht/RMC organisation and nowhere else.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    SCHOOL = "school", _("School")
    SCHOOL_BOARD = "school_board", _("School board")
    SWV = "swv", _("Samenwerkingsverband passend onderwijs")
    MUNICIPALITY = "municipality", _("Municipality")
    WIJKTEAM = "wijkteam", _("Sociaal wijkteam")
    PROVIDER = "provider", _("Youth-care provider")
    GGD = "ggd", _("GGD / JGZ")
    LEERPLICHT = "leerplicht", _("Leerplicht / RMC")
    KNOWLEDGE = "knowledge", _("Knowledge institution")


class SchoolType(models.TextChoices):
    PO = "po", _("Primary (po)")
    SBO = "sbo", _("Special primary (sbo)")
    SO = "so", _("Special (so)")
    VO = "vo", _("Secondary (vo)")
    PRO = "pro", _("Practical (pro)")
    VSO = "vso", _("Special secondary (vso)")
    MBO = "mbo", _("Vocational (mbo)")


class Role(models.TextChoices):
    TEACHER = "teacher", _("Teacher / mentor")
    INTERN_BEGELEIDER = "intern_begeleider", _("Intern begeleider")
    ZORGCOORDINATOR = "zorgcoordinator", _("Zorgcoördinator")
    SCHOOL_SOCIAL_WORKER = "school_social_worker", _("School social worker")
    WIJKTEAM_WORKER = "wijkteam_worker", _("Wijkteam worker")
    PROVIDER_CONTACT = "provider_contact", _("Youth-care provider contact")
    LEERPLICHT_OFFICER = "leerplicht_officer", _("Leerplichtambtenaar")
    YOUTH_DOCTOR = "youth_doctor", _("Youth doctor / nurse")
    POLICY_OFFICER = "policy_officer", _("Policy / monitoring")
    #: The samenwerkingsverband's loket (consulent passend onderwijs): receives requests, plans and decides them.
    SWV_LOKET = "swv_loket", _("Samenwerkingsverband loket")
    #: An expert of the samenwerkingsverband (orthopedagoog, psycholoog, ...) who advises on requests; a TLV needs
    #: the advice of two (WPO art. 18a lid 6, WVO 2020 art. 6.1.1 lid 3; issue 16).
    SWV_EXPERT = "swv_expert", _("Samenwerkingsverband expert (orthopedagoog, psycholoog)")
    FUNCTIONAL_ADMIN = "functional_admin", _("Functioneel beheerder")
    PARENT = "parent", _("Parent")
    YOUTH = "youth", _("Youth")


K = OrganisationKind
ALL_KINDS = frozenset(K.values)

#: Which organisation kinds a role may be held at. Parents and youths hold their role towards a
#: child (registry.Guardianship / Child.youth_account), never within an organisation.
ROLE_ORGANISATION_KINDS: dict[str, frozenset[str]] = {
    Role.TEACHER: frozenset({K.SCHOOL}),
    Role.INTERN_BEGELEIDER: frozenset({K.SCHOOL}),
    Role.ZORGCOORDINATOR: frozenset({K.SCHOOL}),
    Role.SCHOOL_SOCIAL_WORKER: frozenset({K.SCHOOL, K.WIJKTEAM, K.PROVIDER}),
    Role.WIJKTEAM_WORKER: frozenset({K.WIJKTEAM}),
    Role.PROVIDER_CONTACT: frozenset({K.PROVIDER}),
    Role.LEERPLICHT_OFFICER: frozenset({K.LEERPLICHT}),
    Role.YOUTH_DOCTOR: frozenset({K.GGD}),
    Role.POLICY_OFFICER: frozenset({K.MUNICIPALITY, K.SCHOOL_BOARD, K.SWV, K.KNOWLEDGE}),
    Role.SWV_LOKET: frozenset({K.SWV}),
    Role.SWV_EXPERT: frozenset({K.SWV}),
    Role.FUNCTIONAL_ADMIN: ALL_KINDS,
    Role.PARENT: frozenset(),
    Role.YOUTH: frozenset(),
}

#: Roles of families. Every other role is professional and requires two-factor authentication.
FAMILY_ROLES = frozenset({Role.PARENT, Role.YOUTH})
PROFESSIONAL_ROLES = frozenset(Role.values) - FAMILY_ROLES


def role_fits_kind(role: str, kind: str | None) -> bool:
    allowed = ROLE_ORGANISATION_KINDS[role]
    if not allowed:
        return kind is None
    return kind in allowed
