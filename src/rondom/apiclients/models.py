"""Machine clients of the API (issue 15, part 5): a school system, samenwerkingsverband system or municipal system
that signs in with OAuth2 client credentials (django-oauth-toolkit), bound to ONE organisation and a set of scopes
(rondom.config.scopes).

Each client acts through its own service account (`user`): an account without a password (it can never log in on
the web) with one membership (`membership`) at the client's organisation, in the role the functioneel beheerder
chose. The access policy decides on that membership as for any professional, and every NEN 7513 row of a call
names the service account — "API-client <name> (<client id>)" — as actor. The secret is hashed by
django-oauth-toolkit and shown once, when the client is created or its secret rotated (`services`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    """One machine client: the OAuth2 application (client id, hashed secret, grant client-credentials), its
    organisation, the scopes it may ask for, and its service account with the one membership it acts on."""

    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(_("name"), max_length=80)
    #: The scopes the client may ask for (keys of rondom.config.scopes.SCOPES); a token never holds more.
    scopes = models.JSONField(_("scopes"), default=list)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client", editable=False
    )
    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.PROTECT, related_name="api_client", editable=False
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], condition=models.Q(ended_at__isnull=True), name="unique_open_client"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def client_id(self) -> str:
        return str(self.application.client_id)

    @property
    def active(self) -> bool:
        return self.ended_at is None
