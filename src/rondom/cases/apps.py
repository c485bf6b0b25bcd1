from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "rondom.cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # Django app loading: access.grounds and the provider read models, so they are imported once apps are loaded.
        from rondom.access import grounds

        from .grounds import OpenRequestGround

        grounds.register(OpenRequestGround())
