from django.apps import AppConfig


class SwvConfig(AppConfig):
    name = "rondom.swv"
    verbose_name = "Samenwerkingsverband requests"

    def ready(self) -> None:
        from rondom.access import grounds

        from .grounds import SwvRequestGround

        grounds.register(SwvRequestGround())
