"""`{% instemming_status plan as status %}`: where the parents' instemming with the plan's current handelingsdeel
stands (rondom.opp.instemming.instemming_status), for the include `opp/_instemming_status.html` on staff pages. The
page including it has already checked and logged the read of the child's support record."""

from __future__ import annotations

from django import template
from django.utils import timezone

from rondom.cases.models import Plan
from rondom.opp import instemming

register = template.Library()


@register.simple_tag
def instemming_status(plan: Plan | None) -> instemming.Status | None:
    """The status on today's date (the template layer's `today`, like a view's), or None without an OPP."""
    if plan is None or not getattr(plan, "pk", None):
        return None
    return instemming.instemming_status(plan, timezone.localdate())
