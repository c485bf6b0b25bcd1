"""The user's notifications: what is new, with a link to the page that shows it (which checks access itself)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from rondom.access import policy
from rondom.access.declared import NO_CHILD_DATA, PER_OBJECT, ChildRecordView, Declaration, declaration_of, search
from rondom.accounts.models import User
from rondom.core.access_types import Decision
from rondom.core.categories import Action, DataCategory
from rondom.registry.models import Child
from rondom.worklist import paginate

from .models import Notification


class NotificationListView(ChildRecordView):
    """The user's notifications as a work list (issue 14): each says what happened (the stored title, which holds
    no personal data) and about which child — by name ("Daan B.") only when the user may read that child now
    (the page behind it opens and the policy allows reading basic details; logged: one access-log row per child
    named), else "een leerling" ("een leerling van <school>" only when that is the user's own school). Grouped per
    day, newest first; filter unread (GET); paged; mark one or all read (POST, idempotent)."""

    declaration = Declaration(get=search(DataCategory.IDENTITY), post=NO_CHILD_DATA, child_kwarg=None)

    def get(self, request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        unread = request.GET.get("unread") == "1"
        items = Notification.objects.filter(recipient_id=user.pk)
        if unread:
            items = items.filter(read_at__isnull=True)
        wp = paginate(items, request.GET.get("page"), params={"unread": "1" if unread else ""})
        rows = wp.items
        about = about_children(user, rows)
        named = [a.child for a in about.values() if a.named]
        self.log_shown(named, decisions=[a.decision for a in about.values() if a.named], object_type="notification")
        for n in rows:
            n.about = about.get(n.pk)
            n.day = timezone.localtime(n.created_at).date()
        context = {
            "items": rows,
            "wp": wp,
            "opens": {n.pk for n in rows if _opens(n, about)},
            "unread": unread,
            "unread_total": Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count(),
        }
        return render(request, "notifications/list.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        """Mark all read (idempotent: what was read keeps its first read time)."""
        Notification.objects.filter(recipient_id=request.user.pk, read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications:list")


class MarkReadView(LoginRequiredMixin, View):
    """Mark one notification read without opening it (POST, idempotent; another user's id does nothing)."""

    serves_child_data = False

    def post(self, request: HttpRequest, notification_id: int) -> HttpResponse:
        Notification.objects.filter(recipient_id=request.user.pk, pk=notification_id, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        return redirect(reverse("notifications:list") + ("?unread=1" if request.POST.get("unread") == "1" else ""))


@dataclass
class About:
    """Which child a notification is about, as far as the recipient may know it now: `opens` (the page behind it
    opens for the user), `named` (the child's name may be shown: the user may read basic details now), the read
    decision (for the access log) and `own_school` (the child's school is one of the user's own organisations).

    Otherwise the child's school is basic data of a child the user may not read (a pupil who moved: his new
    school), so the label is "een leerling", with the school only when it is the user's own."""

    child: Child
    decision: Decision
    opens: bool
    named: bool
    own_school: bool = False

    @property
    def label(self) -> str:
        if self.named:
            return self.child.short_name
        if self.own_school and self.child.school is not None:
            return _("a pupil of %(school)s") % {"school": self.child.school.name}
        return _("a pupil")


def _page_access(url: str) -> tuple[int, Any] | None:
    """(child id, the GET access its page declares) for a notification's URL about one child, else None."""
    try:
        match = resolve(url)
    except Resolver404:
        return None
    declaration = declaration_of(match.func)
    access = declaration.access_for("GET") if declaration else None
    child_id = match.kwargs.get(declaration.child_kwarg) if declaration and declaration.child_kwarg else None
    if child_id is None or access is None or access == NO_CHILD_DATA:
        return None
    try:
        return int(child_id), access
    except (TypeError, ValueError):
        return None


def about_children(user: User, items: Iterable[Notification]) -> dict[int, About]:
    """By notification id: which child it is about (from the page its URL names) and what the user may know of
    it now. Bounded queries: the children in one query, the decisions by `policy.decide_many` per kind of page."""
    pages = {n.pk: page for n in items if n.url and (page := _page_access(n.url))}
    children = Child.objects.select_related("school").in_bulk({child_id for child_id, _a in pages.values()})
    accesses: dict[tuple[str, str], set[int]] = {(Action.SEARCH, DataCategory.IDENTITY): set(children)}
    for child_id, access in pages.values():
        action, category = access.action, access.category
        if category == PER_OBJECT:
            action, category = Action.READ, DataCategory.IDENTITY
        accesses.setdefault((action, category), set()).add(child_id)
        if access.also:
            accesses.setdefault((access.also, category), set()).add(child_id)
    decided = {
        key: policy.decide_many(user, [children[pk] for pk in ids if pk in children], *key)
        for key, ids in accesses.items()
    }
    found: dict[int, About] = {}
    own: set[int] | None = None  # the user's organisations, asked only when a child is not named
    for pk, (child_id, access) in pages.items():
        child = children.get(child_id)
        if child is None:
            continue
        action, category = access.action, access.category
        if category == PER_OBJECT:
            action, category = Action.READ, DataCategory.IDENTITY
        opens = decided[(action, category)][child_id].allowed and (
            not access.also or decided[(access.also, category)][child_id].allowed
        )
        identity = decided[(Action.SEARCH, DataCategory.IDENTITY)][child_id]
        own_school = False
        if not identity.allowed and child.school_id is not None:
            if own is None:
                own = set(user.active_memberships().values_list("organisation_id", flat=True))
            own_school = child.school_id in own
        found[pk] = About(child, identity, opens, identity.allowed, own_school)
    return found


class OpenView(LoginRequiredMixin, View):
    """Mark one notification read and go to its page."""

    serves_child_data = False

    def post(self, request: HttpRequest, notification_id: int) -> HttpResponse:
        item = Notification.objects.filter(recipient_id=request.user.pk, pk=notification_id).first()
        if item is None:
            return redirect("notifications:list")
        if item.read_at is None:
            item.read_at = timezone.now()
            item.save(update_fields=["read_at"])
        if item.url and item.pk not in openable(request.user, [item]):  # type: ignore[arg-type]
            messages.info(request, _("You can no longer open what this notification was about."))
            return redirect("notifications:list")
        return redirect(item.url or "notifications:list")


def openable(user: User, items: Iterable[Notification]) -> set[int]:
    """The ids of those notifications whose page opens for ``user`` now. A page about one child (its view declares
    its access, rondom.access.declared, and its URL names the child) opens when the policy allows what the page
    declares for GET — the page's own check; access can end after the notification (a handled signal, a period
    that ended). Other pages open. Decisions are not logged: nothing is shown."""
    listed = [item for item in items if item.url]
    about = about_children(user, listed)
    return {item.pk for item in listed if _opens(item, about)}


def _opens(item: Notification, about: dict[int, About]) -> bool:
    """Whether a notification's page opens: a page about no child always; a page about a child when the user may
    do there what it declares (a child that no longer exists: never)."""
    if item.pk in about:
        return about[item.pk].opens
    return not item.url or _page_access(item.url) is None
