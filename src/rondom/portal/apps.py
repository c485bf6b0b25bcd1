from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "rondom.portal"
    verbose_name = "Portal"
