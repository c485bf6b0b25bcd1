from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "rondom.monitoring"
    verbose_name = "Monitoring"
