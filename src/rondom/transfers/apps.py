from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "rondom.transfers"
    verbose_name = "Warm transfers"
