from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "rondom.attendance"
    verbose_name = "Attendance"

    def ready(self) -> None:
        # Django app loading: access.grounds and the provider read models, so they are imported once apps are loaded.
        from rondom.access import grounds

        from .grounds import OpenSignalGround

        grounds.register(OpenSignalGround())
