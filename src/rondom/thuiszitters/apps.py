from django.apps import AppConfig


class ThuiszittersConfig(AppConfig):
    name = "rondom.thuiszitters"
    verbose_name = "Thuiszitters"
