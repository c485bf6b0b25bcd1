"""The NEN 7513 access log: one append-only, hash-chained row per access to a child's data."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

from rondom.core.categories import Action

GENESIS_HASH = "0" * 64
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: The fields covered by the hash, in order. Changing any of them breaks the chain at that row.
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "user_id",
    "user_name",
    "organisation_id",
    "organisation_name",
    "role",
    "on_behalf_of_id",
    "child_id",
    "category",
    "object_type",
    "object_id",
    "action",
    "ground",
    "ground_ref",
    "consent_id",
    "emergency",
    "reason",
    "prev_hash",
)


class AppendOnlyQuerySet(models.QuerySet["AccessLogEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("The access log is append-only.")

    def delete(self) -> NoReturn:
        raise PermissionError("The access log is append-only.")


class AccessLogEntry(models.Model):
    """One access to a child's data. The child is referenced by id only (no foreign key), so the log
    outlives the record it describes; names are copied in so the log stays readable."""

    seq = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    user_id = models.BigIntegerField(null=True)
    user_name = models.CharField(max_length=200, blank=True)
    organisation_id = models.BigIntegerField(null=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=30, blank=True)
    on_behalf_of_id = models.BigIntegerField(null=True)
    child_id = models.BigIntegerField(db_index=True)
    category = models.CharField(max_length=20)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=50, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    ground = models.CharField(max_length=20)
    ground_ref = models.CharField(max_length=50, blank=True)
    consent_id = models.BigIntegerField(null=True)
    emergency = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def canonical(self) -> bytes:
        values: dict[str, Any] = {}
        for name in HASHED_FIELDS:
            value = getattr(self, name)
            if name == "occurred_at":
                value = (value - EPOCH) // timedelta(microseconds=1)
            values[name] = value
        return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The access log is append-only.")


class ChainHead(models.Model):
    """The last link of the chain; locked while a row is appended so that rows never fork."""

    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)


#: The fields covered by an administration-log row's hash (with its number, so a removed row breaks the chain).
ADMINISTRATION_HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_standing",
    "action",
    "organisation_id",
    "organisation_name",
    "organisation_kind",
    "municipality_id",
    "subject_user_id",
    "subject_user_name",
    "role",
    "membership_id",
    "detail",
    "prev_hash",
)
#: The ChainHead row of the administration log (row 1 is the access log's).
ADMINISTRATION_CHAIN_HEAD = 2


class AppendOnlyAdministrationQuerySet(models.QuerySet["AdministrationLogEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("The administration log is append-only.")

    def delete(self) -> NoReturn:
        raise PermissionError("The administration log is append-only.")


class AdministrationAction(models.TextChoices):
    """What an administrator did. Each is written by `records.administration` in the transaction of the change."""

    CREATE_ORGANISATION = "create_organisation", _("Organisation created")
    LINK_ORGANISATION = "link_organisation", _("Organisation linked")
    CONFIGURE_MUNICIPALITY = "configure_municipality", _("Gemeente configured")
    GRANT_ROLE = "grant_role", _("Role granted")
    END_ROLE = "end_role", _("Role ended")
    CONFIGURE_SSO = "configure_sso", _("Single sign-on configured")
    INVITE_ACCOUNT = "invite_account", _("Account invited")
    END_ACCOUNT = "end_account", _("Account ended at the organisation")
    ADD_TEAM_MEMBER = "add_team_member", _("Support-team member added")
    REMOVE_TEAM_MEMBER = "remove_team_member", _("Support-team member removed")
    SET_PROVIDER_CONTACT = "set_provider_contact", _("Contact person set")
    REMOVE_PROVIDER_CONTACT = "remove_provider_contact", _("Contact person removed")
    CREATE_API_CLIENT = "create_api_client", _("API client created")
    ROTATE_API_CLIENT_SECRET = "rotate_api_client_secret", _("API client given a new secret")
    END_API_CLIENT = "end_api_client", _("API client ended")


class AdministrationLogEntry(models.Model):
    """One change of who may do what: a role granted or ended, an organisation created or linked, a gemeente
    configured. These changes decide access to children's records, so they are kept append-only like the access
    log (no child is named: the access log's rows are per child). Names are copied in so the log stays readable
    after an account or organisation is renamed."""

    seq = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=200, blank=True)
    #: From where the actor acted: "platform", "municipality_admin" or "own_admin" (access.tasks.Standing).
    actor_standing = models.CharField(max_length=30, blank=True)
    action = models.CharField(max_length=30, choices=AdministrationAction.choices)
    organisation_id = models.BigIntegerField(null=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    organisation_kind = models.CharField(max_length=20, blank=True)
    #: The municipality the organisation belongs to: the privacy officer of a municipality reads its rows.
    municipality_id = models.BigIntegerField(null=True)
    subject_user_id = models.BigIntegerField(null=True)
    subject_user_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=30, blank=True)
    membership_id = models.BigIntegerField(null=True)
    #: What else changed, as JSON (dates of a role, the parent and served municipalities of a link).
    detail = models.JSONField(default=dict, blank=True)
    #: A hash chain of its own, as the access log's: each row's hash covers its fields and the previous row's hash.
    prev_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    row_hash = models.CharField(max_length=64, blank=True)

    objects = AppendOnlyAdministrationQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("administration log entry")
        verbose_name_plural = _("administration log")

    def canonical(self) -> bytes:
        values: dict[str, Any] = {name: getattr(self, name) for name in ADMINISTRATION_HASHED_FIELDS}
        values["occurred_at"] = (self.occurred_at - EPOCH) // timedelta(microseconds=1)
        return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The administration log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The administration log is append-only.")
