from django.apps import AppConfig


class ThuiszittersConfig(AppConfig):
    name = "rondom.thuiszitters"
    verbose_name = "Thuiszitters"

    def ready(self) -> None:
        # Django app loading: access.grounds and the provider read models, so they are imported once apps are loaded.
        from rondom.access import grounds

        from .grounds import EscalationGround

        grounds.register(EscalationGround())
