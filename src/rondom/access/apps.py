from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "rondom.access"
