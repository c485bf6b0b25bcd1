from django.apps import AppConfig


class OppConfig(AppConfig):
    name = "rondom.opp"
    verbose_name = "OPP (ontwikkelingsperspectief)"
