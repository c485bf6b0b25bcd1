"""The thuiszitter's entries on the case page's timeline (rondom.cases.timeline): a period at home registered and
ended, and every step up the escalation ladder. Registered from ThuiszittersConfig.ready: `cases` sits below
`thuiszitters` in the import graph, so the case timeline cannot import these models itself."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from rondom.cases.timeline import Draft, day_start
from rondom.cases.timeline import register as register_source
from rondom.core.categories import DataCategory
from rondom.registry.models import Child

from .models import EscalationStep, Thuiszitter


def period_events(child: Child) -> Iterable[Draft]:
    """A period at home (thuiszitter) registered, and the day the child was back at school."""
    for period in Thuiszitter.objects.filter(child=child):
        yield Draft(
            period.registered_at,
            "thuiszitter",
            _("Registered as thuiszitter"),
            period.registered_by_id,
            detail=_("at home since %(day)s") % {"day": date_format(period.started_on, "j F Y")},
            category=DataCategory.ABSENCE,
        )
        if period.ended_on is not None:
            yield Draft(
                max(day_start(period.ended_on), period.registered_at),
                "thuiszitter_ended",
                _("Back at school"),
                actor=_("the school"),
                detail=period.end_note,
                category=DataCategory.ABSENCE,
                date_only=True,
            )


def ladder_events(child: Child) -> Iterable[Draft]:
    """A step up the escalation ladder: by hand (with its reason) or by the system when a deadline passed."""
    for step in EscalationStep.objects.filter(thuiszitter__child=child).select_related("level"):
        yield Draft(
            step.at,
            "escalation",
            _("Escalation ladder: %(level)s") % {"level": step.level.name},
            None if step.automatic else step.by_id,
            detail=step.reason,
            category=DataCategory.ABSENCE,
        )


def register() -> None:
    """Add the thuiszitter sources to the case timeline (once; again replaces them)."""
    absence = {DataCategory.ABSENCE}
    register_source("thuiszitter_periods", period_events, categories=absence)
    register_source("escalation_steps", ladder_events, categories=absence)
