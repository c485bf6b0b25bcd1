"""The monitoring dashboard: the indicators of a pilot against the rest of the city, per school year, with a chart
and the table as its alternative, and a CSV download. Aggregates only: no child is named."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from rondom.accounts.models import Organisation, User
from rondom.accounts.roles import OrganisationKind, Role

from .indicators import INDICATORS, SchoolYear, compute_all
from .models import Pilot

MONITORING_KINDS = frozenset({OrganisationKind.MUNICIPALITY, OrganisationKind.SCHOOL_BOARD, OrganisationKind.SWV})


def current_school_year() -> SchoolYear:
    today = timezone.localdate()
    return SchoolYear(today.year if today.month >= 8 else today.year - 1)


def _municipality_ids(user: User) -> set[int]:
    found = {
        m.organisation.municipality_id
        for m in user.roles()
        if m.role == Role.POLICY_OFFICER and m.organisation.kind in MONITORING_KINDS and m.organisation.municipality_id
    }
    if not found:
        raise PermissionDenied
    return found  # type: ignore[return-value]


class DashboardView(LoginRequiredMixin, View):
    serves_child_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        municipalities = _municipality_ids(user)
        city = list(
            Organisation.objects.filter(kind=OrganisationKind.SCHOOL, municipality_id__in=municipalities).values_list(
                "pk", flat=True
            )
        )
        pilots = list(Pilot.objects.all())
        pilot = next((p for p in pilots if str(p.pk) == request.GET.get("pilot")), pilots[0] if pilots else None)
        years = [SchoolYear(current_school_year().start_year - n) for n in range(5)]
        year = next((y for y in years if str(y) == request.GET.get("year")), years[0])
        in_pilot = [pk for pk in (pilot.schools.values_list("pk", flat=True) if pilot else []) if pk in set(city)]
        comparison = [pk for pk in city if pk not in set(in_pilot)]
        values, compared = compute_all(in_pilot, year), compute_all(comparison, year)
        rows = [{"indicator": i, "pilot": values[i.key], "comparison": compared[i.key]} for i in INDICATORS]
        if request.GET.get("format") == "csv":
            return _csv(rows, pilot, year)
        context = {
            "rows": rows,
            "pilots": pilots,
            "pilot": pilot,
            "years": years,
            "year": year,
            "schools": len(in_pilot),
            "comparison_schools": len(comparison),
            "chart": _chart(rows),
        }
        return render(request, "funding/dashboard.html", context)


def _chart(rows: list[dict[str, Any]], width: int = 400, step: int = 56) -> dict[str, Any]:
    """Per indicator a label and two bars (pilot, comparison) scaled to the larger of the two; empty figures draw
    nothing. Coordinates are computed here so the template only draws."""
    items = []
    for n, row in enumerate(rows):
        a, b = row["pilot"], row["comparison"]
        top = max([v for v in (a, b) if v is not None] or [Decimal(0)])

        def scale(v: Decimal | None, top: Decimal = top) -> int:
            return 0 if v is None or not top else max(round(width * float(v) / float(top)), 1)

        y = n * step
        items.append(
            {
                "label": row["indicator"].description,
                "label_y": y + 14,
                "pilot_y": y + 20,
                "comparison_y": y + 36,
                "pilot": scale(a),
                "comparison": scale(b),
            }
        )
    return {"items": items, "height": len(rows) * step, "width": width + 20}


def _csv(rows: list[dict[str, Any]], pilot: Pilot | None, year: SchoolYear) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Indicator"), _("Description"), _("Unit"), _("Pilot"), _("Comparison (rest of the city)")])
    for row in rows:
        i = row["indicator"]
        writer.writerow(
            [
                i.key,
                i.description,
                i.unit,
                row["pilot"] if row["pilot"] is not None else "",
                row["comparison"] if row["comparison"] is not None else "",
            ]
        )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"indicatoren-{pilot.pk if pilot else 'stad'}-{year}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
