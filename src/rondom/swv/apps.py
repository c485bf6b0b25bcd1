from django.apps import AppConfig


class SwvConfig(AppConfig):
    name = "rondom.swv"
    verbose_name = "Samenwerkingsverband requests"
