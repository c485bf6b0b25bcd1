from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "rondom.roster"
    verbose_name = "Roster"
