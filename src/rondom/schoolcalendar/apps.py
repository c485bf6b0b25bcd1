from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class SchoolCalendarConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rondom.schoolcalendar"
    verbose_name = _("School calendar")

    def ready(self) -> None:
        checks.register(check_calendar_settings)


def check_calendar_settings(**kwargs: Any) -> list[checks.CheckMessage]:
    """A wrong calendar setting stops `manage.py check` and every start, instead of failing at the first deadline."""
    from django.conf import settings

    from .models import Region
    from .services import LIBERATION_DAY_RULES

    errors: list[checks.CheckMessage] = []
    for name in ("LIBERATION_DAY_WORK", "LIBERATION_DAY_SCHOOL"):
        if getattr(settings, name, "lustrum") not in LIBERATION_DAY_RULES:
            errors.append(
                checks.Error(f"{name} must be one of {', '.join(LIBERATION_DAY_RULES)}.", id="schoolcalendar.E001")
            )
    if getattr(settings, "SCHOOL_HOLIDAY_REGION", "noord") not in Region.values:
        errors.append(
            checks.Error(f"SCHOOL_HOLIDAY_REGION must be one of {', '.join(Region.values)}.", id="schoolcalendar.E002")
        )
    return errors
