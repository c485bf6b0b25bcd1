from django.apps import AppConfig


class OppConfig(AppConfig):
    name = "rondom.opp"
    verbose_name = "OPP (ontwikkelingsperspectief)"

    def ready(self) -> None:
        # The timeline's sources of the OPP (cases.timeline.register), once the models are loaded.
        from . import timeline  # noqa: F401
