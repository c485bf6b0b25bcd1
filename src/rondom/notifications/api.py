"""API for the user's notifications (issue 15, part 6): the list (newest first; ``?unread=1``), mark one read,
mark all read — as the notifications page does. Marking read is idempotent: a notification read keeps its first
read time, and marking it again answers the same. A notification names its child only when the user may read the
child now (``views.about_children``, decided at once; one access-log row per child named, as on the page).

Scope (``required_scopes``, django-oauth-toolkit's ``TokenHasScope``): ``notifications:read`` — marking read
changes only the user's own list.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rondom.access.declared import ChildRecordAPIView, Declaration, search
from rondom.config.filters import filters
from rondom.config.pagination import PAGE, Page, page_of
from rondom.core.categories import DataCategory

from .models import Notification
from .views import _opens, about_children


class NotificationSerializer(serializers.ModelSerializer):
    about = serializers.SerializerMethodField(
        help_text='Which child: the name ("Daan B.") when you may read the child now, else "een leerling".'
    )
    child = serializers.SerializerMethodField(help_text="The child's id when named, else null.")
    opens = serializers.SerializerMethodField(help_text="The page behind it opens for you now.")

    class Meta:
        model = Notification
        fields = ["id", "title", "url", "created_at", "read_at", "about", "child", "opens"]
        read_only_fields = fields

    def get_about(self, item: Notification) -> str | None:
        about = self.context.get("about", {}).get(item.pk)
        return about.label if about else None

    def get_child(self, item: Notification) -> int | None:
        about = self.context.get("about", {}).get(item.pk)
        return about.child.pk if about and about.named else None

    def get_opens(self, item: Notification) -> bool:
        return _opens(item, self.context.get("about", {}))


class ReadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "read_at"]
        read_only_fields = fields


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread and are read now (0 the second time).")
    unread = serializers.IntegerField(help_text="How many are unread now.")


EXAMPLE = {
    "id": 7,
    "title": "Nieuw verzuimsignaal",
    "url": "/kinderen/4/verzuimsignaal/12/",
    "created_at": "2026-03-09T08:00:00+01:00",
    "read_at": None,
    "about": "Daan B.",
    "child": 4,
    "opens": True,
}


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.ChoiceField(choices=["0", "1"], required=False, help_text="1: only the unread ones.")


class NotificationListView(ChildRecordAPIView):
    """The user's notifications, newest first; ``?unread=1`` only the unread ones; paged."""

    required_scopes = ["notifications:read"]
    declaration = Declaration(get=search(DataCategory.IDENTITY), child_kwarg=None)

    @extend_schema(
        operation_id="notifications_list",
        parameters=[NotificationFilterSerializer, PAGE],
        responses=page_of(NotificationSerializer),
        examples=[OpenApiExample("A notification", value=EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        items = Notification.objects.filter(recipient_id=user.pk)
        if filters(request, NotificationFilterSerializer).get("unread") == "1":
            items = items.filter(read_at__isnull=True)
        page = Page(request, items, self)
        about = about_children(user, page.items)  # type: ignore[arg-type]
        named = [a for a in about.values() if a.named]
        self.log_shown([a.child for a in named], decisions=[a.decision for a in named], object_type="notification")
        return page.response(NotificationSerializer(page.items, many=True, context={"about": about}).data)


class MarkReadView(APIView):
    """Mark one of your notifications read (idempotent: the first read time stays). Another user's: 404."""

    serves_child_data = False
    required_scopes = ["notifications:read"]

    @extend_schema(
        operation_id="notifications_mark_read",
        request=None,
        responses=ReadSerializer,
        examples=[OpenApiExample("Read", value={"id": 7, "read_at": "2026-03-10T10:00:00+01:00"}, response_only=True)],
    )
    def post(self, request: Request, notification_id: int) -> Response:
        items = Notification.objects.filter(recipient_id=request.user.pk, pk=notification_id)
        items.filter(read_at__isnull=True).update(read_at=timezone.now())
        item = items.first()
        if item is None:
            raise NotFound
        return Response(ReadSerializer(item).data)


class MarkAllReadView(APIView):
    """Mark all your notifications read (idempotent)."""

    serves_child_data = False
    required_scopes = ["notifications:read"]

    @extend_schema(
        operation_id="notifications_mark_all_read",
        request=None,
        responses=MarkedSerializer,
        examples=[OpenApiExample("Marked", value={"marked": 3, "unread": 0}, response_only=True)],
    )
    def post(self, request: Request) -> Response:
        mine = Notification.objects.filter(recipient_id=request.user.pk)
        marked = mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        data: dict[str, Any] = {"marked": marked, "unread": mine.filter(read_at__isnull=True).count()}
        return Response(MarkedSerializer(data).data)
