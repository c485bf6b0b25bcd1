"""Creating, rotating and ending machine clients (the functioneel beheerder's page /api-koppelingen/), and finding
the client behind an access token. docs/api-clients.md.

Only the functioneel beheerder of the client's own organisation may create, rotate or end its clients (task right
`manage_api_clients`, rondom.access.tasks). The secret is returned once, in plain text, to be shown once; the database
keeps only its hash (django-oauth-toolkit's ``hash_client_secret``). Rotating or ending revokes every token the
client holds, at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_id, generate_client_secret
from oauth2_provider.models import AccessToken, Application, RefreshToken

from rondom.access import tasks
from rondom.accounts.models import Membership, Organisation, User
from rondom.audit.models import AdministrationAction
from rondom.audit.services import record_administration
from rondom.config.scopes import SCOPES
from rondom.core.roles import PROFESSIONAL_ROLES, Role, role_fits_kind
from rondom.records import administration

from .models import ApiClient

#: The role a client's service account holds when the beheerder chooses none: it imports absence ("w") and reads
#: no child's record on a school-role ground beyond basic details (rondom.access.rules.SCHOOL_ROLE_RULES).
DEFAULT_ROLE = Role.FUNCTIONAL_ADMIN
#: Shown before a client's name in the access log and wherever its service account is named.
ACTOR_PREFIX = "API-client"


def administered_organisations(user: User) -> list[Organisation]:
    """The organisations whose clients `user` manages: those where `user` is the functioneel beheerder (a client's
    own service account manages none). Raises nothing."""
    if hasattr(user, "api_client"):
        return []
    return [m.organisation for m in tasks.memberships(user, "manage_api_clients")]


def client_roles(organisation: Organisation) -> list[str]:
    """The professional roles a client's service account may hold at `organisation` (those that fit its kind,
    rondom.core.roles.ROLE_ORGANISATION_KINDS). Raises nothing."""
    return [r for r in Role.values if r in PROFESSIONAL_ROLES and role_fits_kind(r, organisation.kind)]


def clients_of(organisation: Organisation) -> QuerySet[ApiClient]:
    """The organisation's clients, open ones first. Raises nothing."""
    return (
        ApiClient.objects.filter(organisation=organisation).select_related("application").order_by("-ended_at", "name")
    )


def _check_role(actor: User, organisation: Organisation, role: str, *, now: datetime) -> None:
    """The actor holds the client's secret, so the client's role is his own: he must have the task right to grant
    it (`role.grant.<role>`, access.tasks) and, as in grant_role, gets no role through it that he does not already
    hold there (records.administration.refuse_self_grant). Raises PermissionDenied."""
    reason = tasks.refusal(actor, f"role.grant.{role}", organisation)
    held = Membership.objects.filter(user=actor, organisation=organisation, role=role).exists()
    if reason is not None and not held:
        raise PermissionDenied(reason)
    administration.refuse_self_grant(actor, organisation, role, today=timezone.localdate(now))


def may_give_role(actor: User, organisation: Organisation, role: str, *, now: datetime) -> bool:
    """Whether `actor` may give a new client of `organisation` the role `role` (see create_client). Raises
    nothing."""
    try:
        _check_role(actor, organisation, role, now=now)
    except PermissionDenied:
        return False
    return True


def _check_admin(actor: User, organisation: Organisation) -> None:
    if hasattr(actor, "api_client") or not tasks.may(actor, "manage_api_clients", organisation):
        raise PermissionDenied


def create_client(
    actor: User,
    organisation: Organisation,
    *,
    name: str,
    scopes: list[str],
    role: str = DEFAULT_ROLE,
    now: datetime,
) -> tuple[ApiClient, str]:
    """Create a client of `organisation` with its service account and membership; returns the client and its
    secret in plain text (shown once, never stored).

    The actor holds the secret, so the role must be one he holds there himself or the platform administrator
    gives it (records.administration.refuse_self_grant), and he needs the task right `role.grant.<role>` unless he
    holds it. Logged as `create_api_client` (administration log) in the same transaction.

    Raises PermissionDenied (the actor is not the organisation's own functioneel beheerder, or may not give
    this role); ValidationError on
    ``name`` (empty, longer than 80, taken by an open client), ``scopes`` (none, or one not in
    rondom.config.scopes.SCOPES) or ``role`` (a role that does not fit the organisation's kind)."""
    _check_admin(actor, organisation)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the client a name, e.g. the school system it is for.")})
    if len(name) > 80:
        raise ValidationError({"name": _("The name may be at most 80 characters.")})
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes or unknown:
        raise ValidationError({"scopes": _("Choose at least one scope from the list.")})
    if role not in client_roles(organisation):
        raise ValidationError({"role": _("This role does not fit this organisation.")})
    _check_role(actor, organisation, role, now=now)
    if ApiClient.objects.filter(organisation=organisation, name=name, ended_at__isnull=True).exists():
        raise ValidationError({"name": _("There is already a client with this name.")})
    secret = generate_client_secret()
    client_id = generate_client_id()
    with transaction.atomic():
        user = User(
            username=f"api-client-{client_id}"[:150],
            first_name=ACTOR_PREFIX,
            last_name=f"{name} ({client_id})",
        )
        user.set_unusable_password()
        user.save()
        membership = Membership.objects.create(
            user=user, organisation=organisation, role=role, valid_from=timezone.localdate(now)
        )
        application = Application.objects.create(
            name=f"{organisation.pk}: {name}"[:255],
            client_id=client_id,
            client_secret=secret,
            hash_client_secret=True,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            user=user,
            redirect_uris="",
        )
        client = ApiClient.objects.create(
            application=application,
            organisation=organisation,
            name=name,
            scopes=sorted(set(scopes)),
            user=user,
            membership=membership,
            created_at=now,
            created_by=actor,
        )
        _log(actor, AdministrationAction.CREATE_API_CLIENT, client, detail={"role": role, "scopes": client.scopes})
    return client, secret


def _log(actor: User, action: str, client: ApiClient, detail: dict[str, object] | None = None) -> None:
    record_administration(
        actor,
        action,
        standing=administration.standing_of(actor, client.organisation),
        organisation=client.organisation,
        subject=client.user,
        role=client.membership.role,
        membership_id=client.membership_id,
        detail={"client": client.name, "client_id": client.application.client_id, **(detail or {})},
    )


def _revoke_tokens(client: ApiClient) -> None:
    RefreshToken.objects.filter(application=client.application).delete()
    AccessToken.objects.filter(application=client.application).delete()


def rotate_secret(actor: User, client: ApiClient, *, now: datetime) -> str:
    """Give `client` a new secret (returned in plain text, shown once); the old secret and every token issued
    with it stop working at once. Logged as `rotate_api_client_secret`.

    Raises PermissionDenied (not the organisation's own beheerder); ValidationError (the client has ended)."""
    _check_admin(actor, client.organisation)
    if not client.active:
        raise ValidationError(_("This client has ended; create a new one."))
    secret = generate_client_secret()
    with transaction.atomic():
        application = client.application
        application.client_secret = secret
        application.save(update_fields=["client_secret"])
        _revoke_tokens(client)
        client.secret_rotated_at = now
        client.save(update_fields=["secret_rotated_at"])
        _log(actor, AdministrationAction.ROTATE_API_CLIENT_SECRET, client)
    return secret


def end_client(actor: User, client: ApiClient, *, now: datetime) -> ApiClient:
    """End `client`: its tokens are revoked, its secret no longer gives a token, its service account is
    deactivated and its membership ends (the day before `now`, so no role is held from today). The client stays
    listed as ended; its access-log rows keep naming it. Logged as `end_api_client`.

    Raises PermissionDenied (not the organisation's own beheerder); ValidationError (already ended)."""
    _check_admin(actor, client.organisation)
    if not client.active:
        raise ValidationError(_("This client has already ended."))
    with transaction.atomic():
        _revoke_tokens(client)
        client.ended_at, client.ended_by = now, actor
        client.save(update_fields=["ended_at", "ended_by"])
        User.objects.filter(pk=client.user_id).update(is_active=False)
        today = timezone.localdate(now)
        Membership.objects.filter(pk=client.membership_id).update(
            valid_until=max(today - timedelta(days=1), client.membership.valid_from)
        )
        _log(actor, AdministrationAction.END_API_CLIENT, client)
    return client


def active_client(application_id: int | None) -> ApiClient | None:
    """The open client of an OAuth2 application (by its id), or None: no client, ended, or its service account
    inactive. Raises nothing."""
    if application_id is None:
        return None
    return (
        ApiClient.objects.select_related("application", "organisation", "user")
        .filter(application_id=application_id, ended_at__isnull=True, user__is_active=True)
        .first()
    )


def note_use(client: ApiClient, *, now: datetime) -> None:
    """Keep when `client` last called the API (at most one write a minute). Raises nothing."""
    if client.last_used_at is None or now - client.last_used_at > timedelta(minutes=1):
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
