from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "rondom.feedback"
    verbose_name = "Feedback"
