"""Staff accounts that scale (issue 15, point 3): the functioneel beheerder of an organisation invites, changes
and ends the accounts of his or her own organisation; the school keeps its support team; a provider keeps its
named contact per school or wijk. Every role is granted and ended through `records.administration.grant_role` /
`end_role` (the same checks as the API and the admin: the role fits the organisation's kind, lies within the
task rights, never a family account, never someone with roles elsewhere); every change is written to the
administration log in the transaction of the change.

Errors: `PermissionDenied` (not allowed; Dutch reason), `ValidationError` keyed by field (bad data; Dutch).
Scope: a view looks an organisation up among `organisations(actor, task)` and answers 404 outside it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import import_module
from typing import IO, Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rondom import spreadsheets
from rondom.access import rules, tasks
from rondom.access.models import TeamMembership
from rondom.accounts.invitations import link_parts
from rondom.accounts.models import Membership, Organisation, StaffIdentity, User
from rondom.audit.models import AdministrationAction
from rondom.audit.services import record_administration
from rondom.cases.models import ProviderContact, SupportTeam
from rondom.core.roles import PROFESSIONAL_ROLES, OrganisationKind, Role, role_fits_kind
from rondom.exports import neutralise
from rondom.idempotency import lock_row
from rondom.registry.models import GroupTeacher, Wijk

from . import administration

logger = logging.getLogger("rondom.records")

#: Rows a bulk invitation file may hold (one organisation's staff; a board splits its file per school).
MAX_BULK_ROWS = 2000


def organisations(actor: User, task: str = "manage_staff") -> list[Organisation]:
    """The organisations for which `actor` holds task right `task` (access.tasks), by name. Raises nothing."""
    found = {m.organisation_id: m.organisation for m in tasks.memberships(actor, task)}
    return sorted(found.values(), key=lambda o: (o.name, o.pk))


def grantable_roles(actor: User, organisation: Organisation) -> list[str]:
    """The professional roles that fit `organisation`'s kind (core.roles) and that `actor` may grant there
    (task right `role.grant.<role>`), in the order of `Role`. Raises nothing."""
    return [
        role
        for role in Role.values
        if role in PROFESSIONAL_ROLES
        and role_fits_kind(role, organisation.kind)
        and tasks.may(actor, f"role.grant.{role}", organisation)
    ]


def _current(today: date) -> Q:
    return Q(valid_until__isnull=True) | Q(valid_until__gte=today)


def people(organisation: Organisation, *, today: date, role: str = "") -> QuerySet[User]:
    """The accounts with a current or coming role at `organisation` on `today` (optionally only `role`), by name,
    each with `.held` (its current memberships there, by role). One query for the page plus one for the roles.
    The service accounts of API clients are not people: they are kept on the API clients page (rondom.apiclients)."""
    held = Membership.objects.filter(_current(today), organisation=organisation).order_by("role")
    chosen = held.filter(role=role) if role else held
    return (
        User.objects.filter(pk__in=chosen.values("user_id"), api_client__isnull=True)
        .order_by("last_name", "first_name", "pk")
        .prefetch_related(Prefetch("memberships", queryset=held, to_attr="held"))
    )


def person(organisation: Organisation, user_id: int) -> User | None:
    """The account `user_id` when it holds or held a role at `organisation`, else None (the view answers 404). An
    API client's service account is never a person here (ending it by hand would bypass the API clients page)."""
    return (
        User.objects.filter(pk=user_id, memberships__organisation=organisation, api_client__isnull=True)
        .distinct()
        .first()
    )


def version_of(organisation: Organisation, user: User) -> str:
    """The state of `user`'s roles at `organisation` as the page read it (a form's hidden field): changes when a
    role is granted or ended there. A form posted with another version is stale (409)."""
    rows = Membership.objects.filter(user=user, organisation=organisation).order_by("pk")
    return ".".join(f"{pk}-{until or ''}" for pk, until in rows.values_list("pk", "valid_until")) or "0"


# --- invitations -------------------------------------------------------------------------------------------------


@dataclass
class Invited:
    """The outcome of one invitation: the account, whether it is new, and whether a link must be mailed."""

    user: User
    created: bool
    roles: list[str]
    needs_link: bool
    #: False when the e-mail backend failed after the commit (the account stands; send the link again later).
    mailed: bool = True


def _check_person(first_name: str, last_name: str, email: str, roles: list[str]) -> None:
    errors: dict[str, str] = {}
    if not first_name.strip():
        errors["first_name"] = _("Fill in the first name.")
    if not last_name.strip():
        errors["last_name"] = _("Fill in the last name.")
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value) > 150:
            errors[name] = _("At most 150 characters.")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Fill in a valid e-mail address, such as naam@school.nl.")
    if not roles:
        errors["roles"] = _("Choose at least one role.")
    if errors:
        raise ValidationError(errors)


def _reusable_account(email: str) -> User | None:
    """The existing account an invitation to `email` (lower case) may give its roles to, locked; None: make a new,
    separate account. Only an account that signs in with a password here counts: one without a single sign-on
    identity (an SSO account's e-mail is the provider's claim, which its user may have chosen himself, so the
    address proves nothing; issue 15 review finding 3) and not a family account (a parent or youth never holds a
    role, records.administration.is_family_account; finding 9). Raises nothing."""
    candidates = (
        User.objects.select_for_update()
        .filter(email__iexact=email)
        .exclude(pk__in=StaffIdentity.objects.values("user_id"))
        .order_by("pk")
    )
    return next((user for user in candidates if not administration.is_family_account(user)), None)


def _invite(
    actor: User, organisation: Organisation, first_name: str, last_name: str, email: str, roles: list[str], today: date
) -> Invited:
    """The writes of one invitation, inside the caller's transaction (see `invite`)."""
    first_name, last_name, email = first_name.strip(), last_name.strip(), email.strip().lower()
    roles = sorted(set(roles))
    _check_person(first_name, last_name, email, roles)
    reason = tasks.refusal(actor, "manage_staff", organisation)
    if reason is not None:
        raise PermissionDenied(reason)
    for role in roles:  # the Dutch reason of a role that does not fit, before anything is written
        if role not in PROFESSIONAL_ROLES or not role_fits_kind(role, organisation.kind):
            raise ValidationError(
                {
                    "roles": _("The role %(role)s does not fit an organisation of the kind %(kind)s.")
                    % {"role": _role_label(role), "kind": organisation.get_kind_display()}
                }
            )
    lock_row(organisation)  # invitations to one organisation are decided in turn: one account per address
    user = _reusable_account(email)
    created = user is None
    if user is None:
        username = email if not User.objects.filter(username=email).exists() else f"{email}#{User.objects.count()}"
        user = User(username=username[:150], first_name=first_name, last_name=last_name, email=email)
        user.set_unusable_password()
        user.save()
    held = set(
        Membership.objects.filter(_current(today), user=user, organisation=organisation).values_list("role", flat=True)
    )
    new_roles = [role for role in roles if role not in held]
    if not new_roles:  # a double submit, or an invitation that was already taken care of
        return Invited(user, False, [], False)
    for role in new_roles:
        administration.grant_role(actor, user, organisation, role, today=today)
    if not user.is_active:  # an account ended earlier comes back
        user.is_active = True
        user.save(update_fields=["is_active"])
    record_administration(
        actor,
        AdministrationAction.INVITE_ACCOUNT,
        standing=administration.standing_of(actor, organisation),
        organisation=organisation,
        subject=user,
        detail={"roles": new_roles, "new_account": created},
    )
    return Invited(user, created, new_roles, not user.has_usable_password())


def send_invitation(user: User, organisation: Organisation, *, base_url: str, now: datetime) -> None:
    """Mail `user` the one-time link to set a password and then link an authenticator app (accounts.invitations;
    Django's e-mail backend). `base_url`: scheme and host, e.g. ``https://rondom.zwolle.nl``. Raises what the
    e-mail backend raises."""
    uid, token = link_parts(user, now)
    link = base_url.rstrip("/") + reverse("accounts:invitation", args=[uid, token])
    with translation.override("nl"):
        subject = _("Your account for Rondom")
        body = _(
            "%(organisation)s has made an account for you in Rondom.\n\n"
            "Set your password with this link (it works once and expires in %(days)d days):\n%(link)s\n\n"
            "After that you link an authenticator app for the second login step."
        ) % {"organisation": organisation.name, "link": link, "days": settings.PASSWORD_RESET_TIMEOUT // 86400}
    send_mail(subject, body, None, [user.email])


def invite(
    actor: User,
    organisation: Organisation,
    *,
    first_name: str,
    last_name: str,
    email: str,
    roles: list[str],
    today: date,
    now: datetime,
    base_url: str,
) -> Invited:
    """Invite someone to `organisation` with `roles` (role values): an account without a usable password (or the
    existing account with that e-mail address), each role granted through `administration.grant_role`, logged as
    `invite_account`; after the commit an e-mail with the one-time link (`send_invitation`).

    Idempotent: inviting someone who already holds these roles there changes nothing and mails nothing
    (`Invited.roles` empty). Raises ValidationError keyed first_name, last_name, email, roles (empty, or a role
    that does not fit the organisation's kind); PermissionDenied when the actor may not (task rights, a family
    account, someone with a role elsewhere)."""
    with transaction.atomic():
        outcome = _invite(actor, organisation, first_name, last_name, email, roles, today)
    if outcome.needs_link:
        outcome.mailed = _mail(outcome.user, organisation, base_url=base_url, now=now)
    return outcome


def _mail(user: User, organisation: Organisation, *, base_url: str, now: datetime) -> bool:
    """`send_invitation`, after the commit: False (and a log line without personal data) when the mail server
    fails, so the page says so instead of answering 500."""
    try:
        send_invitation(user, organisation, base_url=base_url, now=now)
    except OSError:  # smtplib.SMTPException and connection errors
        logger.warning("invitation mail not sent", extra={"user_id": user.pk})
        return False
    return True


def resend_invitation(
    actor: User, organisation: Organisation, user: User, *, today: date, now: datetime, base_url: str
) -> bool:
    """Mail a new one-time link to someone invited to `organisation` who has not set a password yet (an earlier
    link expired or got lost). Task right `manage_staff`. Returns whether the mail went out. Raises
    PermissionDenied (not allowed) or ValidationError keyed email (a password is set, or no current role here)."""
    reason = tasks.refusal(actor, "manage_staff", organisation)
    if reason is not None:
        raise PermissionDenied(reason)
    if user.has_usable_password() or not user.is_active:
        raise ValidationError({"email": _("This person has set a password already: no invitation is needed.")})
    if not Membership.objects.filter(_current(today), user=user, organisation=organisation).exists():
        raise ValidationError({"email": _("This person has no role here any more.")})
    return _mail(user, organisation, base_url=base_url, now=now)


# --- bulk invitations --------------------------------------------------------------------------------------------

#: Accepted column headers (lower case, spaces and dashes ignored) and the field each one fills.
COLUMNS = {
    "voornaam": "first_name",
    "firstname": "first_name",
    "achternaam": "last_name",
    "lastname": "last_name",
    "email": "email",
    "emailadres": "email",
    "rol": "roles",
    "rollen": "roles",
    "role": "roles",
    "roles": "roles",
}
REQUIRED = ("first_name", "last_name", "email", "roles")


def _header_key(cell: Any) -> str:
    return spreadsheets.cell_text(cell).lower().replace(" ", "").replace("-", "").replace("_", "")


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def role_names() -> dict[str, str]:
    """Every way a file may name a role (its value, its Dutch and its English label; lower case) -> the value."""
    names: dict[str, str] = {}
    for role in sorted(PROFESSIONAL_ROLES):
        names[role] = role
        for language in ("nl", "en"):
            with translation.override(language):
                names[str(Role(role).label).lower()] = role
    return names


@dataclass
class BulkRow:
    """One row of a bulk file: its line number (the header is line 1), what it says (formula-neutral, for the
    report), its roles, and its problems (Dutch; empty when the row is fine)."""

    line: int
    name: str
    email: str
    roles: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    outcome: str = ""  # "new", "existing" or "unchanged" when it went through


@dataclass
class BulkReport:
    """The outcome of a bulk invitation: `problems` about the file as a whole, `rows`; `applied` when written."""

    rows: list[BulkRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    dry_run: bool = True
    applied: bool = False
    unmailed: int = 0  # invitations the mail server refused after the commit (send them again from the person page)

    @property
    def error_rows(self) -> list[BulkRow]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.error_rows


class _Rollback(Exception):
    pass


def _messages(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, PermissionDenied):
        return [str(error) or _("You may not do this.")]
    return list(error.messages)


def _read_rows(source: IO[bytes], report: BulkReport) -> list[tuple[int, dict[str, str]]]:
    found: list[tuple[int, dict[str, str]]] = []
    try:
        with spreadsheets.open_table(source) as table:
            rows = iter(table.rows)
            header = next(rows, None)
            if header is None:
                report.problems.append(_("The file is empty."))
                return []
            columns = {i: COLUMNS[_header_key(cell)] for i, cell in enumerate(header) if _header_key(cell) in COLUMNS}
            missing = [name for name in REQUIRED if name not in columns.values()]
            if missing:
                report.problems.append(
                    _("The file needs the columns voornaam, achternaam, e-mail and rol (in the first line).")
                )
                return []
            for number, cells in enumerate(rows, start=2):
                if not any(spreadsheets.cell_text(c) for c in cells):
                    continue
                if len(found) >= MAX_BULK_ROWS:
                    report.problems.append(_("A file holds at most %(n)d rows.") % {"n": MAX_BULK_ROWS})
                    return []
                values = {name: "" for name in REQUIRED}
                for index, name in columns.items():
                    if index < len(cells):
                        values[name] = spreadsheets.cell_text(cells[index])
                found.append((number, values))
    except spreadsheets.UnreadableFile as exc:
        report.problems.append(exc.reason)
        return []
    if not found:
        report.problems.append(_("The file holds no rows below its header."))
    return found


def bulk_invite(
    actor: User,
    organisation: Organisation,
    source: IO[bytes],
    *,
    dry_run: bool,
    today: date,
    now: datetime,
    base_url: str,
) -> BulkReport:
    """Invite everyone in a CSV or XLSX file (columns voornaam, achternaam, e-mail, rol; several roles in one cell
    separated by ``,`` or ``|``; a role by its value or its Dutch or English name), read with the one shared
    reader (rondom.spreadsheets). All or nothing: every row goes through `invite`'s checks in one transaction;
    when any row is refused, or on a dry run, the transaction is rolled back and nothing is written or mailed.
    The report names each refused row by line number with its Dutch reasons; echoed values are formula-neutral
    (exports.neutralise). Raises PermissionDenied when the actor may not manage this organisation's staff."""
    reason = tasks.refusal(actor, "manage_staff", organisation)
    if reason is not None:
        raise PermissionDenied(reason)
    report = BulkReport(dry_run=dry_run)
    rows = _read_rows(source, report)
    if report.problems:
        return report
    names = role_names()
    seen: dict[str, int] = {}
    outcomes: list[Invited] = []
    try:
        with transaction.atomic():
            for number, values in rows:
                name = f"{values['first_name']} {values['last_name']}".strip()
                row = BulkRow(number, str(neutralise(name)), str(neutralise(values["email"])))
                report.rows.append(row)
                for part in values["roles"].replace("|", ",").split(","):
                    if not part.strip():
                        continue
                    role = names.get(part.strip().lower())
                    if role is None:
                        row.errors.append(
                            _("Unknown role “%(role)s”.") % {"role": neutralise(part.strip())}  # type: ignore[str-format]
                        )
                    else:
                        row.roles.append(role)
                email = values["email"].strip().lower()
                if email and email in seen:
                    row.errors.append(_("This e-mail address is also on line %(line)d.") % {"line": seen[email]})
                seen.setdefault(email, number)
                if row.errors:
                    continue
                try:
                    with transaction.atomic():
                        invited = _invite(
                            actor,
                            organisation,
                            values["first_name"],
                            values["last_name"],
                            values["email"],
                            row.roles,
                            today,
                        )
                except (ValidationError, PermissionDenied) as exc:
                    row.errors.extend(_messages(exc))
                    continue
                row.outcome = "new" if invited.created else ("existing" if invited.roles else "unchanged")
                outcomes.append(invited)
            if dry_run or not report.ok:
                raise _Rollback
    except _Rollback:
        return report
    report.applied = True
    for invited in outcomes:
        if invited.needs_link:
            invited.mailed = _mail(invited.user, organisation, base_url=base_url, now=now)
            report.unmailed += 0 if invited.mailed else 1
    return report


# --- changing and ending ------------------------------------------------------------------------------------------


def add_role(actor: User, organisation: Organisation, user: User, role: str, *, today: date) -> Membership | None:
    """Give `user` one more role at `organisation` through `administration.grant_role` (all of its checks; logged).
    Idempotent: a role held already returns None and changes nothing. Raises what grant_role raises."""
    reason = tasks.refusal(actor, "manage_staff", organisation)
    if reason is not None:
        raise PermissionDenied(reason)
    if Membership.objects.filter(_current(today), user=user, organisation=organisation, role=role).exists():
        return None
    return administration.grant_role(actor, user, organisation, role, today=today)


def end_membership(actor: User, organisation: Organisation, membership: Membership, *, today: date) -> bool:
    """End one role at once (`administration.end_role`, immediately; logged) and the seats and group links that
    came with it (`_end_seats`). False when it had ended already (a double submit): nothing changes. Raises
    PermissionDenied (task rights) or Http404-worthy LookupError when the membership is not of `organisation`."""
    if membership.organisation_id != organisation.pk:
        raise LookupError("membership of another organisation")
    reason = tasks.refusal(actor, "manage_staff", organisation)
    if reason is not None:
        raise PermissionDenied(reason)
    if membership.valid_until is not None and membership.valid_until < today:
        return False
    with transaction.atomic():
        administration.end_role(actor, membership, today=today, immediately=True)
        _end_seats([membership.pk], today=today)
    return True


@dataclass
class Ended:
    """What ending an account at an organisation ended (counts), and whether its sessions went too."""

    roles: int = 0
    team_seats: int = 0
    group_links: int = 0
    support_teams: int = 0
    contacts: int = 0
    sessions: int = 0
    deactivated: bool = False


def _end_seats(ids: Iterable[int], *, today: date, now: datetime | None = None) -> dict[str, int]:
    ids = list(ids)
    now = now or timezone.now()
    return {
        "team_seats": TeamMembership.objects.filter(membership_id__in=ids, ended_at__isnull=True).update(ended_at=now),
        "group_links": GroupTeacher.objects.filter(membership_id__in=ids, ended_on__isnull=True).update(ended_on=today),
        "support_teams": SupportTeam.members.through.objects.filter(membership_id__in=ids).delete()[0],
        "contacts": ProviderContact.objects.filter(membership_id__in=ids).delete()[0],
    }


def end_sessions(user: User, now: datetime) -> int:
    """Delete every session of `user` that has not expired at `now`, so the next request is logged out. With the
    database session store (Django's default, settings.SESSION_ENGINE unset) each stored session is decoded; with
    another store the account's deactivation (see `end_account`) refuses the session on its next request. Returns
    the number deleted."""
    engine = getattr(settings, "SESSION_ENGINE", "django.contrib.sessions.backends.db")
    if engine not in ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"):
        return 0
    store = import_module(engine).SessionStore
    doomed = []
    for session in Session.objects.filter(expire_date__gt=now).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            doomed.append(session.session_key)
    for key in doomed:
        store(session_key=key).delete()  # through the store, so a cached_db cache entry goes too
    return len(doomed)


def end_account(actor: User, organisation: Organisation, user: User, *, today: date, now: datetime) -> Ended:
    """End `user`'s account at `organisation`, at once and in one transaction: every current role there ends
    (`administration.end_role`, immediately: no longer valid today; each logged as `end_role`), its support-team
    seats on children (access.TeamMembership.ended_at = `now`), its group links (registry.GroupTeacher.ended_on =
    `today`), its place in the school's support team and its named-contact rows go; when the account has no other
    current role anywhere it is deactivated and its sessions are deleted (`end_sessions`), so a logged-in browser
    is logged out on its next request. Logged as `end_account` with the counts.

    Idempotent: an account with no current role there returns an empty `Ended`. Raises PermissionDenied (not
    allowed: task rights, a role the actor may not end such as another functioneel beheerder, one's own account);
    the whole change is then undone."""
    reason = tasks.refusal(actor, "manage_staff", organisation)
    if reason is not None:
        raise PermissionDenied(reason)
    if user.pk == actor.pk:
        raise PermissionDenied(_("You cannot end your own account: ask another administrator."))
    ended = Ended()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        current = list(Membership.objects.filter(_current(today), user=user, organisation=organisation))
        if not current:
            return ended
        for membership in current:
            administration.end_role(actor, membership, today=today, immediately=True)
        ids = Membership.objects.filter(user=user, organisation=organisation).values_list("pk", flat=True)
        counts = _end_seats(ids, today=today, now=now)
        ended = Ended(roles=len(current), **counts)  # type: ignore[arg-type]  # counts: the int fields by name
        elsewhere = Membership.objects.filter(_current(today), user=user, valid_from__lte=today).exists()
        if not elsewhere and not user.is_staff and not user.is_superuser:
            User.objects.filter(pk=user.pk).update(is_active=False)
            ended.deactivated = True
            ended.sessions = end_sessions(user, now)
        record_administration(
            actor,
            AdministrationAction.END_ACCOUNT,
            standing=administration.standing_of(actor, organisation),
            organisation=organisation,
            subject=user,
            detail={"memberships": sorted(m.pk for m in current), **counts, "sessions": ended.sessions},
        )
    return ended


# --- the school's support team ------------------------------------------------------------------------------------


def team_of(school: Organisation) -> SupportTeam:
    """The school's support team (made when it has none yet). Raises nothing."""
    team, _created = SupportTeam.objects.get_or_create(school=school)
    return team


def team_candidates(school: Organisation, *, today: date) -> QuerySet[Membership]:
    """Current roles that may sit in a support team (access.rules.TEAM_ROLE_RULES): the school's own staff and
    people of other organisations in the school's municipality or serving it, by organisation and name."""
    area = Q(organisation=school)
    if school.municipality_id:
        area |= Q(organisation__municipality_id=school.municipality_id) | Q(
            organisation__serves_municipalities=school.municipality_id
        )
    return (
        Membership.objects.filter(_current(today), area, role__in=sorted(rules.TEAM_ROLE_RULES), valid_from__lte=today)
        .exclude(support_teams__school=school)
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__last_name", "user__first_name", "pk")
        .distinct()
    )


def add_support_team_member(actor: User, school: Organisation, membership: Membership, *, today: date) -> bool:
    """Add a person (one role at one organisation) to the school's support team. Someone from another
    organisation sits in it, but a seat on one child's team still needs the family's consent naming that
    organisation (access.services.add_team_member, unchanged). Task right `keep_support_team`; logged as
    `add_team_member`. Idempotent (False when already a member). Raises ValidationError keyed membership (a role
    that cannot sit in a support team, or ended), PermissionDenied."""
    reason = tasks.refusal(actor, "keep_support_team", school)
    if reason is not None:
        raise PermissionDenied(reason)
    if membership.role not in rules.TEAM_ROLE_RULES:
        raise ValidationError({"membership": _("This role cannot be a member of a support team.")})
    if membership.valid_until is not None and membership.valid_until < today:
        raise ValidationError({"membership": _("This role has ended.")})
    with transaction.atomic():
        team = team_of(school)
        if team.members.filter(pk=membership.pk).exists():
            return False
        team.members.add(membership)
        record_administration(
            actor,
            AdministrationAction.ADD_TEAM_MEMBER,
            standing=administration.standing_of(actor, school),
            organisation=school,
            subject=membership.user,
            role=membership.role,
            membership_id=membership.pk,
            detail={"from_organisation": membership.organisation_id},
        )
    return True


def remove_support_team_member(actor: User, school: Organisation, membership: Membership, *, now: datetime) -> bool:
    """Take a person out of the school's support team; his or her open seats on children of this school end at
    `now` (no one keeps a child's record through a team he or she left). Task right `keep_support_team`; logged as
    `remove_team_member`. Idempotent (False when not a member). Raises PermissionDenied."""
    reason = tasks.refusal(actor, "keep_support_team", school)
    if reason is not None:
        raise PermissionDenied(reason)
    with transaction.atomic():
        team = team_of(school)
        if not team.members.filter(pk=membership.pk).exists():
            return False
        team.members.remove(membership)
        seats = TeamMembership.objects.filter(
            membership=membership, child__school=school, ended_at__isnull=True
        ).update(ended_at=now)
        record_administration(
            actor,
            AdministrationAction.REMOVE_TEAM_MEMBER,
            standing=administration.standing_of(actor, school),
            organisation=school,
            subject=membership.user,
            role=membership.role,
            membership_id=membership.pk,
            detail={"team_seats": seats},
        )
    return True


# --- the providers' named contacts --------------------------------------------------------------------------------


def contact_people(provider: Organisation, *, today: date) -> QuerySet[Membership]:
    """The provider's current roles that can be brought in (access.rules.GRANT_ROLES): who may be a contact."""
    return (
        Membership.objects.filter(
            _current(today), organisation=provider, role__in=sorted(rules.GRANT_ROLES), valid_from__lte=today
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def contact_schools(provider: Organisation) -> QuerySet[Organisation]:
    """Schools a contact can be named for: in the municipalities the provider serves or lies in (all schools when
    it names none)."""
    served = list(provider.serves_municipalities.values_list("pk", flat=True))
    if provider.municipality_id:
        served.append(provider.municipality_id)
    schools = Organisation.objects.filter(kind=OrganisationKind.SCHOOL)
    return schools.filter(municipality_id__in=served) if served else schools


def contact_wijken(provider: Organisation) -> QuerySet[Wijk]:
    """Wijken a contact can be named for, in the same municipalities as `contact_schools`."""
    served = list(provider.serves_municipalities.values_list("pk", flat=True))
    if provider.municipality_id:
        served.append(provider.municipality_id)
    wijken = Wijk.objects.all()
    return wijken.filter(municipality_id__in=served) if served else wijken


def set_contact(
    actor: User,
    provider: Organisation,
    membership: Membership,
    *,
    school: Organisation | None = None,
    wijk: Wijk | None = None,
    today: date,
) -> ProviderContact:
    """Make `membership` the provider's one named contact for `school` or `wijk` (exactly one of them), replacing
    an earlier contact for that school or wijk (cases.services.contact_for reads it). Task right
    `keep_provider_contacts`; logged as `set_provider_contact`. Idempotent. Raises ValidationError keyed
    membership (not the provider's, or a role that cannot be brought in), school/wijk (none or both, or outside the
    provider's area); PermissionDenied."""
    reason = tasks.refusal(actor, "keep_provider_contacts", provider)
    if reason is not None:
        raise PermissionDenied(reason)
    errors: dict[str, str] = {}
    if not contact_people(provider, today=today).filter(pk=membership.pk).exists():
        errors["membership"] = _("Choose a current colleague of this organisation who can be brought in.")
    if (school is None) == (wijk is None):
        errors["school"] = _("Choose a school or a wijk (one of the two).")
    elif school is not None and not contact_schools(provider).filter(pk=school.pk).exists():
        errors["school"] = _("This school lies outside the municipalities the organisation serves.")
    elif wijk is not None and not contact_wijken(provider).filter(pk=wijk.pk).exists():
        errors["wijk"] = _("This wijk lies outside the municipalities the organisation serves.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        area = {"school": school} if school is not None else {"wijk": wijk}
        rows = ProviderContact.objects.select_for_update().filter(provider=provider, **area).order_by("pk")
        existing = rows.first()
        if existing is not None and existing.membership_id == membership.pk and rows.count() == 1:
            return existing
        before = existing.membership_id if existing else None
        rows.delete()
        contact = ProviderContact.objects.create(provider=provider, membership=membership, **area)
        record_administration(
            actor,
            AdministrationAction.SET_PROVIDER_CONTACT,
            standing=administration.standing_of(actor, provider),
            organisation=provider,
            subject=membership.user,
            role=membership.role,
            membership_id=membership.pk,
            detail={"school": school.pk if school else None, "wijk": wijk.pk if wijk else None, "before": before},
        )
    return contact


def remove_contact(actor: User, provider: Organisation, contact_id: int) -> bool:
    """Remove one of the provider's named contacts. Task right `keep_provider_contacts`; logged as
    `remove_provider_contact`. Idempotent (False when it is gone already). Raises PermissionDenied."""
    reason = tasks.refusal(actor, "keep_provider_contacts", provider)
    if reason is not None:
        raise PermissionDenied(reason)
    with transaction.atomic():
        contact = (
            ProviderContact.objects.select_for_update()
            .select_related("membership__user")
            .filter(pk=contact_id, provider=provider)
            .first()
        )
        if contact is None:
            return False
        contact.delete()
        record_administration(
            actor,
            AdministrationAction.REMOVE_PROVIDER_CONTACT,
            standing=administration.standing_of(actor, provider),
            organisation=provider,
            subject=contact.membership.user,
            role=contact.membership.role,
            membership_id=contact.membership_id,
            detail={"school": contact.school_id, "wijk": contact.wijk_id},
        )
    return True
