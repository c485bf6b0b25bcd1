from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "rondom.cases"
    verbose_name = "Cases"
