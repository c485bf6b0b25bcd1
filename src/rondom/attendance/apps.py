from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "rondom.attendance"
    verbose_name = "Attendance"
