"""API for the monitoring figures (issue 15, part 6): what the dashboard shows for one selection — the indicators
of a pilot (or the whole city) against a comparison, the baseline, the trend over five school years and a breakdown
per school or wijk. Aggregates only, no child named (``serves_child_data = False``); a figure that rests on too few
children or answers is withheld here exactly as on the page (``monitoring.Cell``: ``withheld`` true, no value, no
rate, and never the small number it rests on). The same right as the page (`see_monitoring`, 403 otherwise); each
call is logged as one aggregate row, as the page's download.

Scope (``required_scopes``, django-oauth-toolkit's ``TokenHasScope``): ``monitoring:read``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rondom.config.filters import filters
from rondom.dbrouting import reading_from_replica

from . import monitoring
from .indicators import INDICATORS
from .views import Selection, _log_export


class CellSerializer(serializers.Serializer):
    value = serializers.DecimalField(
        max_digits=20, decimal_places=4, allow_null=True, coerce_to_string=True, help_text="null: no data or withheld."
    )
    withheld = serializers.BooleanField(help_text="The figure rests on too few children or answers (<min_cell).")
    rate = serializers.DecimalField(
        max_digits=20, decimal_places=4, allow_null=True, coerce_to_string=True, help_text="Per 100 pupils (counts)."
    )


class SummarySerializer(serializers.Serializer):
    indicator = serializers.CharField()
    description = serializers.CharField()
    unit = serializers.CharField()
    now = CellSerializer()
    baseline = CellSerializer()
    comparison_now = CellSerializer()
    comparison_baseline = CellSerializer()


class TrendSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    scope = CellSerializer(many=True, help_text="One per school year of `years`, oldest first.")
    comparison = CellSerializer(many=True)


class GroupCellSerializer(CellSerializer):
    indicator = serializers.CharField()


class GroupSerializer(serializers.Serializer):
    name = serializers.CharField()
    cells = GroupCellSerializer(many=True)


class MonitoringSerializer(serializers.Serializer):
    title = serializers.CharField()
    pilot = serializers.IntegerField(allow_null=True)
    school_year = serializers.CharField()
    baseline = serializers.CharField()
    years = serializers.ListField(child=serializers.CharField())
    compare = serializers.CharField()
    compare_label = serializers.CharField()
    breakdown = serializers.CharField(allow_blank=True)
    schools = serializers.IntegerField()
    pupils = serializers.IntegerField()
    comparison_schools = serializers.IntegerField()
    comparison_pupils = serializers.IntegerField()
    min_cell = serializers.IntegerField()
    summary = SummarySerializer(many=True)
    trend = TrendSerializer(many=True)
    groups = GroupSerializer(many=True)


def cell(c: monitoring.Cell) -> dict[str, Any]:
    """A figure as the API gives it: withheld means no value and no rate (and never the number it rests on)."""
    if c.withheld:
        return {"value": None, "withheld": True, "rate": None}
    return {"value": c.value, "withheld": False, "rate": c.rate}


def as_data(m: monitoring.Monitoring, min_cell: int) -> dict[str, Any]:
    """The dashboard's figures (see the module docstring) as plain data for `MonitoringSerializer`."""
    return {
        "title": m.title,
        "pilot": m.pilot.pk if m.pilot else None,
        "school_year": str(m.year),
        "baseline": str(m.baseline),
        "years": [str(y) for y in m.years],
        "compare": m.compare,
        "compare_label": m.compare_label,
        "breakdown": m.breakdown,
        "schools": m.schools,
        "pupils": m.pupils,
        "comparison_schools": m.comparison_schools,
        "comparison_pupils": m.comparison_pupils,
        "min_cell": min_cell,
        "summary": [
            {
                "indicator": i.key,
                "description": i.description,
                "unit": i.unit,
                "now": cell(now),
                "baseline": cell(base),
                "comparison_now": cell(other),
                "comparison_baseline": cell(other_base),
            }
            for i, now, base, other, other_base in m.summary
        ],
        "trend": [
            {"indicator": i.key, "scope": [cell(c) for c in mine], "comparison": [cell(c) for c in theirs]}
            for i, mine, theirs in m.trend
        ],
        "groups": [
            {"name": name, "cells": [{"indicator": i.key, **cell(c)} for i, c in zip(INDICATORS, cells, strict=True)]}
            for name, cells in m.groups
        ],
    }


class MonitoringFilterSerializer(serializers.Serializer):
    pilot = serializers.RegexField(
        r"^(city|[1-9][0-9]{0,17})$",
        required=False,
        help_text='A pilot\'s id, or "city" for the whole city (default: the first pilot).',
    )
    year = serializers.RegexField(
        r"^[0-9]{4}-[0-9]{4}$",
        required=False,
        help_text='The school year, e.g. "2025-2026" (default: the current one).',
    )
    compare = serializers.RegexField(
        r"^(city|wijk:[1-9][0-9]{0,17})$",
        required=False,
        help_text='Compare with "city" (the rest of the city, default) or "wijk:<id>".',
    )
    breakdown = serializers.ChoiceField(
        choices=["school", "wijk"], required=False, help_text="Break the figures down per school or wijk."
    )


WITHHELD = {"value": None, "withheld": True, "rate": None}


class MonitoringView(APIView):
    """The dashboard's figures for one selection (see the module docstring)."""

    serves_child_data = False
    required_scopes = ["monitoring:read"]

    @extend_schema(
        operation_id="monitoring_figures",
        parameters=[MonitoringFilterSerializer],
        responses=MonitoringSerializer,
        examples=[
            OpenApiExample(
                "A pilot with a withheld figure",
                value={
                    "title": "Schoolmaatschappelijk werk Holtenbroek",
                    "pilot": 1,
                    "school_year": "2025-2026",
                    "baseline": "2023-2024",
                    "years": ["2021-2022", "2022-2023", "2023-2024", "2024-2025", "2025-2026"],
                    "compare": "city",
                    "compare_label": "de rest van de stad",
                    "breakdown": "",
                    "schools": 8,
                    "pupils": 1234,
                    "comparison_schools": 75,
                    "comparison_pupils": 20512,
                    "min_cell": 5,
                    "summary": [
                        {
                            "indicator": "thuiszitters",
                            "description": "Thuiszitters",
                            "unit": "kinderen",
                            "now": WITHHELD,
                            "baseline": {"value": "9.0000", "withheld": False, "rate": "0.7300"},
                            "comparison_now": {"value": "41.0000", "withheld": False, "rate": "0.2000"},
                            "comparison_baseline": {"value": "44.0000", "withheld": False, "rate": "0.2100"},
                        }
                    ],
                    "trend": [],
                    "groups": [],
                },
                response_only=True,
            )
        ],
    )
    @reading_from_replica()
    def get(self, request: Request) -> Response:
        selection = Selection(request)  # type: ignore[arg-type]  # 403 without the right to see monitoring
        filters(request, MonitoringFilterSerializer)
        m = selection.build(request)  # type: ignore[arg-type]
        _log_export(request, "monitoring_api", f"{m.pilot.pk if m.pilot else 'stad'}:{m.year}")  # type: ignore[arg-type]
        return Response(MonitoringSerializer(as_data(m, settings.RONDOM_MONITORING_MIN_CELL)).data)
