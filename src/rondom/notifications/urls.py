from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("meldingen/", views.NotificationListView.as_view(), name="list"),
    path("meldingen/<int:notification_id>/", views.OpenView.as_view(), name="open"),
    path("meldingen/gelezen/<int:notification_id>/", views.MarkReadView.as_view(), name="mark-read"),
]
