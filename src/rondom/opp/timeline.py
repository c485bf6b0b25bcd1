"""Timeline entries of the OPP's instemming (cases.timeline): an instemming given or refused, with the handelingsdeel's
plan version or the meeting whose minutes it was, by whom and how; the own words stay on the plan page (a refusal
says "Gesprek nodig")."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from rondom.cases.timeline import SUPPORT, Draft, register
from rondom.registry.models import Child

from .models import Instemming


def instemming_events(child: Child) -> Iterable[Draft]:
    for row in Instemming.objects.filter(child=child).select_related("agenda_item__meeting"):
        if row.subject == Instemming.Subject.MINUTES:
            title = _("Agreed with the minutes of a meeting") if row.agrees else _("Did not agree with the minutes")
        elif row.agrees:
            title = _("Instemming with the handelingsdeel (version %(number)d)") % {"number": row.plan_version}
        else:
            title = _("No instemming with the handelingsdeel (version %(number)d)") % {"number": row.plan_version}
        detail = str(row.get_method_display())
        if not row.agrees:
            needed = _("conversation needed")
            detail = f"{detail}; {needed}"
        yield Draft(
            row.recorded_at,
            "instemming_given" if row.agrees else "instemming_refused",
            title,
            actor=f"{row.person_name} ({row.get_capacity_display().lower()})",
            detail=detail,
        )


register("opp_instemmingen", instemming_events, categories=SUPPORT)
