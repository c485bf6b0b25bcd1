from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import AppConfig

from rondom.attendance.signals import threshold_signals_raised


class ThuiszittersConfig(AppConfig):
    name = "rondom.thuiszitters"
    verbose_name = "Thuiszitters"

    def ready(self) -> None:
        # Django app loading: access.grounds and the provider read models, so they are imported once apps are loaded.
        from rondom.access import grounds

        from . import timeline
        from .grounds import EscalationGround

        grounds.register(EscalationGround())
        timeline.register()  # the thuiszitter's entries on the case page's timeline
        threshold_signals_raised.connect(_register_thuiszitters, dispatch_uid="thuiszitters.register_from_signals")


def _register_thuiszitters(sender: object, *, signals: list[Any], today: date | None = None, **kwargs: Any) -> None:
    """New absence signals after an import (rondom.attendance.signals): register the thuiszitters they point to."""
    from .services import register_from_signals  # Django app loading: services read models

    register_from_signals(signals, today)
