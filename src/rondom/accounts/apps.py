from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rondom.accounts"
    verbose_name = "Accounts"
