from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from rondom.core.roles import PROFESSIONAL_ROLES, OrganisationKind, Role, SchoolType
from rondom.schoolcalendar.models import Region

brin_validator = RegexValidator(r"^[0-9]{2}[A-Z]{2}$", _("A BRIN number is two digits and two capitals, e.g. 12AB."))
vestiging_validator = RegexValidator(r"^[0-9]{2}$", _("A vestiging number is two digits, e.g. 00."))


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    brin = models.CharField(_("BRIN"), max_length=4, blank=True, validators=[brin_validator])
    vestiging = models.CharField(_("vestiging"), max_length=2, blank=True, validators=[vestiging_validator])
    school_type = models.CharField(_("school type"), max_length=3, blank=True, choices=SchoolType.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    municipality = models.ForeignKey(
        "registry.Municipality", verbose_name=_("municipality"), null=True, blank=True, on_delete=models.PROTECT
    )
    #: A school's region for the school holidays; empty: the setting SCHOOL_HOLIDAY_REGION (docs/calendar.md).
    holiday_region = models.CharField(
        _("school holiday region"),
        max_length=6,
        blank=True,
        choices=Region.choices,
        help_text=_("Empty: the region of the installation (regio noord for Zwolle)."),
    )
    #: For leerplicht/RMC, wijkteams and GGD: the municipalities whose children they serve.
    serves_municipalities = models.ManyToManyField(
        "registry.Municipality", verbose_name=_("serves municipalities"), blank=True, related_name="served_by"
    )
    #: A school's samenwerkingsverband passend onderwijs (po and vo each have their own): where its requests for an
    #: arrangement or a TLV go (rondom.swv; WPO art. 18a, WVO 2020 art. 6.1.1). Empty: none configured.
    samenwerkingsverband = models.ForeignKey(
        "self",
        verbose_name=_("samenwerkingsverband"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="member_schools",
        limit_choices_to={"kind": "swv"},
    )
    #: The value by which the professionals' identity provider names this organisation in its organisation claim
    #: (RONDOM_STAFF_OIDC_ORGANISATION_CLAIM; e.g. a BRIN+vestiging, an OIN, a KvK number or a tenant id).
    #: Empty: nobody of this organisation signs in with single sign-on (docs/sso.md). Set by the platform.
    sso_value = models.CharField(
        _("identity provider's organisation value"),
        max_length=200,
        blank=True,
        help_text=_("Empty: no single sign-on for this organisation."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["brin", "vestiging"], condition=~models.Q(brin=""), name="unique_school_location"
            ),
            models.UniqueConstraint(fields=["sso_value"], condition=~models.Q(sso_value=""), name="unique_sso_value"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def brin6(self) -> str:
        return f"{self.brin}{self.vestiging}" if self.brin else ""


# django-stubs cannot see the reverse relation of StaffIdentity (a django-otp Device, untyped) to User.
class User(AbstractUser):  # type: ignore[django-manager-missing]
    """A person who logs in. Roles come from memberships (professionals) or family links (parents, youths)."""

    #: A parent's BSN as a keyed hash only (rondom.registry.bsn.blind_index), to find the account after a DigiD
    #: login through the municipality's OIDC broker. The BSN itself is not stored.
    bsn_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def active_memberships(self) -> models.QuerySet[Membership]:
        today = timezone.localdate()
        return (
            self.memberships.select_related("organisation")
            .filter(valid_from__lte=today)
            .filter(models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=today))
        )

    def roles(self) -> list[Membership]:
        """The active memberships, read once per user object (which lives for one request) and day."""
        today = timezone.localdate()
        cached: tuple[date, list[Membership]] | None = self.__dict__.get("_roles_cache")
        if cached is None or cached[0] != today:
            cached = (today, list(self.active_memberships()))
            self.__dict__["_roles_cache"] = cached
        return cached[1]

    def has_role(self, *roles: str) -> bool:
        return any(m.role in roles for m in self.roles())

    @property
    def is_professional(self) -> bool:
        """Professionals must use two-factor authentication; so must staff accounts."""
        if self.is_staff or self.is_superuser:
            return True
        return self.has_role(*PROFESSIONAL_ROLES)


class Membership(models.Model):
    """A user's role within an organisation (e.g. intern begeleider at De Esch, vestiging 00)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # One open-ended period of a role per person and organisation; ended periods stay as rows, so someone
            # who left and came back has one row per period (records.administration.grant_role keeps them apart).
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=models.Q(valid_until__isnull=True),
                name="unique_open_membership",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.organisation}"


class MunicipalityOrganisation(models.Model):
    """Configuration kept by the platform administrator: which organisation *is* the gemeente of a municipality.

    A municipality's authority (its policy officers keep the pilot budget and hold the research key, its
    functioneel beheerder creates and links the GGD, wijkteams, providers and the samenwerkingsverband, and its
    organisation decides on the escalation ladder) comes from this record, never from an organisation's own
    `kind`: anyone who could create an organisation could give it the kind "municipality" (issue 12, finding 1).
    Written only through `records.administration.configure_municipality` (logged) or the demo's seed."""

    municipality = models.OneToOneField(
        "registry.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="gemeente_configuration",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="governed_municipalities"
    )
    configured_at = models.DateTimeField(_("configured at"), default=timezone.now)
    configured_by = models.ForeignKey(
        User, verbose_name=_("configured by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("municipality's organisation")
        verbose_name_plural = _("municipalities' organisations")

    def __str__(self) -> str:
        return f"{self.organisation} = {self.municipality}"


class StaffIdentity(Device):
    """A professional's account at the organisation's identity provider: the pair (`issuer`, `subject`) — the ID
    token's `iss` and `sub` (OpenID Connect Core 1.0, section 2: together they identify the person, and nothing
    else does) — links it to one Rondom account. Never found by e-mail. No BSN is ever stored (docs/sso.md).

    It is also a django-otp device (django_otp.models.Device): when the ID token proves that the identity provider
    asked for a second factor (its `acr`/`amr`, as configured), the login puts this device in the session with
    `django_otp.login`, so `user.is_verified()` holds and no TOTP code is asked. It can never check a typed code
    (`verify_token` is always False): only a single sign-on with proven MFA marks a session with it.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="staff_identities")
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_login_at = models.DateTimeField(_("last single sign-on"), null=True, blank=True)

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="unique_staff_identity")]

    def __str__(self) -> str:
        return self.issuer

    def verify_token(self, token: object) -> bool:
        return False
