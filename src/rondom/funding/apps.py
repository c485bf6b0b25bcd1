from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "rondom.funding"
    verbose_name = "Funding"
