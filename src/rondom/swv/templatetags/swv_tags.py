"""`{% swv_summary %}`: the child's requests to the samenwerkingsverband and their decisions, on the child's case page
(read by the school and the child's support team, providers included). The page it sits on is declared and logged
as a read of the support record already; this part of the page reads nothing else."""

from __future__ import annotations

from typing import Any

from django import template

from rondom.swv import services
from rondom.swv.views_school import requests_of

register = template.Library()


@register.inclusion_tag("swv/school_summary.html", takes_context=True)
def swv_summary(context: dict[str, Any]) -> dict[str, Any]:
    child = context["child"]
    user = context["request"].user
    return {"child": child, "swv_requests": requests_of(child), "swv_may_send": services.may_send(user, child)}
