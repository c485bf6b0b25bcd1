from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rondom.notifications"
    verbose_name = "Notifications"
