"""The user's notifications: what is new, with a link to the page that shows it (which checks access itself)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from rondom.access import policy
from rondom.access.declared import NO_CHILD_DATA, PER_OBJECT, declaration_of
from rondom.accounts.models import User
from rondom.core.categories import Action, DataCategory
from rondom.registry.models import Child

from .models import Notification


class NotificationListView(LoginRequiredMixin, View):
    serves_child_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        items = list(Notification.objects.filter(recipient_id=request.user.pk)[:100])
        opens = openable(request.user, items)  # type: ignore[arg-type]
        return render(request, "notifications/list.html", {"items": items, "opens": opens})

    def post(self, request: HttpRequest) -> HttpResponse:
        Notification.objects.filter(recipient_id=request.user.pk, read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications:list")


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
