"""Who hears about what, and telling them: in the app, and by an e-mail that carries no personal data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from rondom.accounts import authority
from rondom.accounts.models import Membership, User
from rondom.accounts.roles import OrganisationKind
from rondom.registry.models import Child

from .models import Notification

#: Roles reached at the child's school; every other role is reached in organisations serving the child's home
#: municipality (leerplicht, JGZ, wijkteam, gemeente).
SCHOOL_KINDS = frozenset({OrganisationKind.SCHOOL})


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
    from rondom.accounts.roles import ROLE_ORGANISATION_KINDS

    return ROLE_ORGANISATION_KINDS.get(role) == frozenset({OrganisationKind.SCHOOL})


def notify(users: Iterable[User], *, title: str, url: str, key: str) -> list[Notification]:
    """One notification per user and key (sending the same event twice does nothing), and an e-mail."""
    created = []
    for user in {u.pk: u for u in users}.values():
        notification, new = Notification.objects.get_or_create(
            recipient=user, key=key, defaults={"title": title[:200], "url": url}
        )
        if new:
            created.append(notification)
    _email(created)
    return created


def _email(notifications: list[Notification]) -> None:
    messages = []
    base = settings.RONDOM_BASE_URL.rstrip("/")
    for n in notifications:
        if not n.recipient.email:
            continue
        with override(settings.LANGUAGE_CODE):
            subject = _("Rondom: something new for you")
            body = _("There is something new for you in Rondom. Log in to read it: %(url)s") % {
                "url": f"{base}/meldingen/"
            }
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [n.recipient.email]))
    if messages:
        send_mass_mail(messages, fail_silently=False)
        Notification.objects.filter(pk__in=[n.pk for n in notifications if n.recipient.email]).update(
            emailed_at=timezone.now()
        )


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def openable(user: User, items: Iterable[Notification]) -> set[int]:
    """The ids of those notifications whose page opens for ``user`` now. A page about one child (its view declares
    its access, rondom.access.declared, and its URL names the child) opens when the policy allows what the page
    declares for GET — the page's own check; access can end after the notification (a handled signal, a period
    that ended). Other pages open. Decisions are not logged: nothing is shown."""
    from django.urls import Resolver404, resolve

    from rondom.access import policy
    from rondom.access.categories import Action, DataCategory
    from rondom.access.declared import NO_CHILD_DATA, PER_OBJECT, declaration_of

    decided: dict[tuple[int, str, str, str], bool] = {}
    found: set[int] = set()
    for item in items:
        if not item.url:
            continue
        try:
            match = resolve(item.url)
        except Resolver404:
            continue
        declaration = declaration_of(match.func)
        access = declaration.access_for("GET") if declaration else None
        child_id = match.kwargs.get(declaration.child_kwarg) if declaration and declaration.child_kwarg else None
        if child_id is None or access is None or access == NO_CHILD_DATA:
            found.add(item.pk)
            continue
        action, category = access.action, access.category
        if category == PER_OBJECT:
            action, category = Action.READ, DataCategory.IDENTITY
        key = (int(child_id), action, category, access.also or "")
        if key not in decided:
            child = Child.objects.filter(pk=child_id).first()
            decided[key] = (
                child is not None
                and policy.decide(user, child, action, category).allowed
                and (not access.also or policy.decide(user, child, access.also, category).allowed)
            )
        if decided[key]:
            found.add(item.pk)
    return found
