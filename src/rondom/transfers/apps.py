from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "rondom.transfers"
    verbose_name = "Warm transfers"

    def ready(self) -> None:
        # Django app loading: access.grounds and the sources read models, so they are imported once apps are loaded.
        from rondom.access import grounds

        from . import timeline
        from .grounds import PreviousSchoolGround, ReceivingSchoolGround

        grounds.register(ReceivingSchoolGround())
        grounds.register(PreviousSchoolGround())
        timeline.register()  # the transfer's entries on the case page's timeline
