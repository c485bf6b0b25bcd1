"""API for the funding figures (issue 15, part 6): the allocation round of school social work for one municipality
and school year (the computed allocation and the realised hours, as the allocation page shows them) and the
register of pilots. Figures about schools, no child named: ``serves_child_data = False``; the same right as the
pages (policy staff: ``rounds.policy_municipalities``, 403 for anyone else).

Scope (``required_scopes``, django-oauth-toolkit's ``TokenHasScope``): ``funding:read``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rondom.config.filters import filters, id_filter
from rondom.config.pagination import PAGE, Page, page_of
from rondom.config.tables import TableSerializer

from . import pages, rounds
from .models import Pilot


class AllocationSerializer(serializers.Serializer):
    municipality = serializers.IntegerField()
    municipality_name = serializers.CharField()
    school_year = serializers.CharField(help_text='E.g. "2025-2026".')
    status = serializers.CharField(help_text="Where the round stands, in Dutch.")
    computed_at = serializers.DateTimeField(allow_null=True)
    advice_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    allocation = TableSerializer(allow_null=True, help_text="Per school; null until computed.")
    realised = TableSerializer(allow_null=True, help_text="Allocated against realised hours; null until computed.")


class AllocationFilterSerializer(serializers.Serializer):
    municipality = id_filter("One of your municipalities (default: the first by name).")
    year = serializers.RegexField(
        r"^[0-9]{4}-[0-9]{4}$",
        required=False,
        help_text='The school year, e.g. "2025-2026" (default: the current one).',
    )


def _grid(grid: dict[str, Any]) -> dict[str, Any]:
    return {"header": [str(h) for h in grid["header"]], "rows": grid["rows"], "total": grid["total"]}


class AllocationView(APIView):
    """The allocation round of one municipality and school year, as on the allocation page (read only here)."""

    serves_child_data = False
    required_scopes = ["funding:read"]

    @extend_schema(
        operation_id="funding_allocation",
        parameters=[AllocationFilterSerializer],
        responses=AllocationSerializer,
        examples=[
            OpenApiExample(
                "Not computed yet",
                value={
                    "municipality": 1,
                    "municipality_name": "Zwolle",
                    "school_year": "2025-2026",
                    "status": "Nog niet berekend",
                    "computed_at": None,
                    "advice_at": None,
                    "decided_at": None,
                    "allocation": None,
                    "realised": None,
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        # The page's own scope: PermissionDenied (403) for anyone who is not policy staff.
        scope = pages._scope(request)  # type: ignore[arg-type]
        filters(request, AllocationFilterSerializer)
        round_ = rounds.current_round(scope.municipality, scope.year)
        computed = round_ is not None and round_.computed_at is not None
        data = {
            "municipality": scope.municipality.pk,
            "municipality_name": scope.municipality.name,
            "school_year": str(scope.year),
            "status": rounds.status(round_),
            "computed_at": round_.computed_at if round_ else None,
            "advice_at": round_.advice_at if round_ else None,
            "decided_at": round_.decided_at if round_ else None,
            "allocation": _grid(pages._allocation_grid(round_)) if computed and round_ else None,
            "realised": _grid(pages._realised_grid(round_)) if computed and round_ else None,
        }
        return Response(AllocationSerializer(data).data)


class PilotSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pilot.pk")
    name = serializers.CharField(source="pilot.name")
    kind = serializers.CharField(help_text="The kind of pilot, in Dutch.")
    where = serializers.CharField(help_text="The area or the schools.")
    term = serializers.CharField()
    years = serializers.ListField(child=serializers.CharField())
    participants = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        help_text="[party, commitment] pairs.",
    )


class PilotListView(APIView):
    """The register of pilots: kind, area or schools, the five-year term and the parties' commitments."""

    serves_child_data = False
    required_scopes = ["funding:read"]

    @extend_schema(
        operation_id="funding_pilots_list",
        parameters=[PAGE],
        responses=page_of(PilotSerializer),
        examples=[
            OpenApiExample(
                "A pilot",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "id": 1,
                            "name": "Schoolmaatschappelijk werk Holtenbroek",
                            "kind": "Wijkgericht",
                            "where": "Holtenbroek",
                            "term": "2024-2025 tot en met 2028-2029",
                            "years": ["2024-2025", "2025-2026"],
                            "participants": [["Gemeente", "Financiert de uren"]],
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        rounds.policy_municipalities(request.user)  # type: ignore[arg-type]  # 403 for anyone not policy staff
        page = Page(request, Pilot.objects.select_related("area").prefetch_related("schools").order_by("pk"), self)
        rows = [pages._pilot_row(p) for p in page.items]
        return page.response(PilotSerializer(rows, many=True).data)
