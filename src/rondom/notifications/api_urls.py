from django.urls import path

from . import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="api-notifications"),
    path("notifications/read/", api.MarkAllReadView.as_view(), name="api-notifications-read"),
    path("notifications/<int:notification_id>/read/", api.MarkReadView.as_view(), name="api-notification-read"),
]
