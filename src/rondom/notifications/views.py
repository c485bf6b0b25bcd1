"""The user's notifications: what is new, with a link to the page that shows it (which checks access itself)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from . import services
from .models import Notification


class NotificationListView(LoginRequiredMixin, View):
    serves_child_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        items = list(Notification.objects.filter(recipient_id=request.user.pk)[:100])
        opens = services.openable(request.user, items)  # type: ignore[arg-type]
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
        if item.url and item.pk not in services.openable(request.user, [item]):  # type: ignore[arg-type]
            messages.info(request, _("You can no longer open what this notification was about."))
            return redirect("notifications:list")
        return redirect(item.url or "notifications:list")
