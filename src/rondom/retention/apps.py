from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "rondom.retention"
