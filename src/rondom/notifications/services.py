"""Who hears about what, and telling them: in the app, and by an e-mail that carries no personal data."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from rondom.accounts import authority
from rondom.accounts.models import Membership, User
from rondom.core.roles import ROLE_ORGANISATION_KINDS, OrganisationKind
from rondom.registry.models import Child

from .models import Notification

#: Roles reached at the child's school; every other role is reached in organisations serving the child's home
#: municipality (leerplicht, JGZ, wijkteam, gemeente).
SCHOOL_KINDS = frozenset({OrganisationKind.SCHOOL})

logger = logging.getLogger("rondom.notifications")


def active_memberships(today: date | None = None) -> QuerySet[Membership]:
    today = today or timezone.localdate()
    return Membership.objects.filter(valid_from__lte=today, user__is_active=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def memberships_for(role: str, child: Child, organisation_kind: str | None = None) -> QuerySet[Membership]:
    """The holders of `role` who act for this child: at the child's school for school kinds, otherwise in an
    organisation that serves (or belongs to) the child's home municipality."""
    found = active_memberships().filter(role=role).select_related("organisation", "user")
    if organisation_kind in SCHOOL_KINDS or (organisation_kind is None and role_is_school_role(role)):
        return found.filter(organisation_id=child.school_id) if child.school_id else found.none()
    found = found.filter(serving_q(child.home_municipality_id))
    if organisation_kind:
        found = found.filter(organisation__kind=organisation_kind)
    return found.distinct()


def serving_q(municipality_id: int, prefix: str = "organisation__") -> Q:
    """Memberships (by default) at organisations that serve a municipality: accounts.authority.serving_q, the one
    rule of the access policy; an organisation's own municipality field is not enough (issue 12, finding 1)."""
    return authority.serving_q(municipality_id, prefix)


def role_is_school_role(role: str) -> bool:
    return ROLE_ORGANISATION_KINDS.get(role) == frozenset({OrganisationKind.SCHOOL})


def notify(users: Iterable[User], *, title: str, url: str, key: str) -> list[Notification]:
    """One notification per user and key (sending the same event twice does nothing), and an e-mail.

    The notifications are written in the caller's transaction; the e-mails leave only after it commits
    (`transaction.on_commit`), so a mail server that is down never undoes what the user did (a parent's consent
    withdrawal, a signal), and no e-mail announces something that was rolled back.

    Returns the notifications created now (not the ones that existed already)."""
    created = []
    for user in {u.pk: u for u in users}.values():
        notification, new = Notification.objects.get_or_create(
            recipient=user, key=key, defaults={"title": title[:200], "url": url}
        )
        if new:
            created.append(notification)
    ids = [n.pk for n in created if n.recipient.email]
    if ids:
        transaction.on_commit(lambda: send_emails(ids))
    return created


def send_emails(notification_ids: list[int]) -> int:
    """Send the e-mail ("there is something new", no personal data) for these notifications, once each.

    Returns the number sent. A mail failure is logged without addresses or content and leaves `emailed_at`
    empty; the notification itself stays in the app. Never raises for a mail failure."""
    notifications = list(
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related("recipient")
    )
    messages = []
    base = settings.RONDOM_BASE_URL.rstrip("/")
    sent = [n for n in notifications if n.recipient.email]
    for n in sent:
        with override(settings.LANGUAGE_CODE):
            subject = _("Rondom: something new for you")
            body = _("There is something new for you in Rondom. Log in to read it: %(url)s") % {
                "url": f"{base}/meldingen/"
            }
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [n.recipient.email]))
    if not messages:
        return 0
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:  # the mail server's failure is not the user's: the notification stays in the app
        logger.exception("notification e-mail failed for %d notification(s)", len(messages))
        return 0
    Notification.objects.filter(pk__in=[n.pk for n in sent]).update(emailed_at=timezone.now())
    return len(messages)


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
