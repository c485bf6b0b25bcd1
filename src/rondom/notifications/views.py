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
from rondom.accounts.models import User
from rondom.core.categories import Action
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
    """The ids of those notifications whose page opens for ``user`` now. A page about one child (its URL names a
    ``child_id`` and its view declares a ``record_category``) opens when the policy lets the user read that part of
    the child's record — the page's own check; access can end after the notification (a handled signal, a period
    that ended). Other pages open. Decisions are not logged: nothing is shown."""
    decided: dict[tuple[int, str], bool] = {}
    found: set[int] = set()
    for item in items:
        if not item.url:
            continue
        try:
            match = resolve(item.url)
        except Resolver404:
            continue
        category = getattr(getattr(match.func, "view_class", None), "record_category", None)
        child_id = match.kwargs.get("child_id")
        if child_id is None or category is None:
            found.add(item.pk)
            continue
        key = (int(child_id), str(category))
        if key not in decided:
            child = Child.objects.filter(pk=child_id).first()
            decided[key] = child is not None and policy.decide(user, child, Action.READ, category).allowed
        if decided[key]:
            found.add(item.pk)
    return found
