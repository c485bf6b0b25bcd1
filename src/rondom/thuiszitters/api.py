"""API for the thuiszitter register and its escalation ladder (issue 15, part 6): the register list, one period's
file, registering a child and each step the file page offers (decide, escalate, interim arrangement, leerplicht
visit, end), and the overview's counts with the same small-cell withholding as the page. The same services decide
and log as on the pages (thuiszitters.views).

Scopes (``required_scopes``, django-oauth-toolkit's ``TokenHasScope``): ``thuiszitters:read`` to read,
``thuiszitters:write`` to register or record a step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rondom.access import log, policy, tasks
from rondom.access.declared import ChildRecordAPIView, Declaration, create, read, search, update
from rondom.config.filters import filters, id_filter
from rondom.config.pagination import PAGE, Page, page_of
from rondom.config.tables import CellField
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Conflict
from rondom.limits import FREE_TEXT_MAX
from rondom.refusals import refusal_codes, refusal_text
from rondom.registry.models import Child

from . import overview, services
from .models import (
    EscalationDecision,
    EscalationLevel,
    EscalationStep,
    InterimArrangement,
    LeerplichtVisit,
    Outcome,
    Reason,
    Thuiszitter,
    ThuiszitterKind,
)

ABSENCE = DataCategory.ABSENCE


class ThuiszitterSerializer(serializers.ModelSerializer):
    child_name = serializers.SerializerMethodField(help_text="The child's name, as on the register page.")
    school_name = serializers.SerializerMethodField()
    level_rank = serializers.IntegerField(source="level.rank", allow_null=True, read_only=True, default=None)
    level_name = serializers.CharField(source="level.name", allow_null=True, read_only=True, default=None)
    days_at_home = serializers.SerializerMethodField()
    visited_this_year = serializers.SerializerMethodField(help_text="A leerplicht visit in the last 365 days.")

    class Meta:
        model = Thuiszitter
        fields = [
            "id",
            "child",
            "child_name",
            "kind",
            "authorised",
            "reason",
            "started_on",
            "ended_on",
            "end_note",
            "school",
            "school_name",
            "level_rank",
            "level_name",
            "deadline",
            "decided",
            "days_at_home",
            "visited_this_year",
        ]
        read_only_fields = fields

    def get_child_name(self, period: Thuiszitter) -> str:
        return str(period.child)

    def get_school_name(self, period: Thuiszitter) -> str | None:
        return period.school.name if period.school else None

    def get_days_at_home(self, period: Thuiszitter) -> int:
        return period.days_at_home(self.context.get("today"))

    def get_visited_this_year(self, period: Thuiszitter) -> bool:
        visited = getattr(period, "visited", None)
        return bool(visited) if visited is not None else services.visited_this_year(period, self.context.get("today"))


class LevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalationLevel
        fields = ["id", "rank", "name", "deadline_working_days"]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    level_rank = serializers.IntegerField(source="level.rank", read_only=True)

    class Meta:
        model = EscalationStep
        fields = ["id", "level", "level_rank", "deadline", "automatic", "reason", "at"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalationDecision
        fields = ["id", "level", "outcome", "decision", "organisation_name", "decided_at"]
        read_only_fields = fields


class InterimSerializer(serializers.ModelSerializer):
    class Meta:
        model = InterimArrangement
        fields = ["id", "description", "provided_by", "starts_on", "payment_pending_between", "recorded_at"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeerplichtVisit
        fields = ["id", "visited_on", "note"]
        read_only_fields = fields


class ThuiszitterFileSerializer(serializers.Serializer):
    period = ThuiszitterSerializer()
    ladder = LevelSerializer(many=True, help_text="The ladder of the child's region, lowest rung first.")
    steps = StepSerializer(many=True)
    decisions = DecisionSerializer(many=True)
    interim_arrangements = InterimSerializer(many=True)
    visits = VisitSerializer(many=True)
    may = serializers.ListField(
        child=serializers.ChoiceField(choices=["decide", "escalate", "interim", "visit", "end"]),
        help_text="The steps this user may record now (the forms the page shows).",
    )


PERIOD_EXAMPLE = {
    "id": 3,
    "child": 4,
    "child_name": "Daan Bakker",
    "kind": "relative",
    "authorised": False,
    "reason": "refusal",
    "started_on": "2026-01-12",
    "ended_on": None,
    "end_note": "",
    "school": 2,
    "school_name": "De Regenboog",
    "level_rank": 1,
    "level_name": "School en ouders",
    "deadline": "2026-02-09",
    "decided": False,
    "days_at_home": 57,
    "visited_this_year": True,
}


class RegisterFilterSerializer(serializers.Serializer):
    school = id_filter("Only this school (its id).")


class OverviewFilterSerializer(serializers.Serializer):
    by = serializers.ChoiceField(
        choices=list(overview.GROUPINGS),
        required=False,
        help_text="Group by school (default), wijk or municipality of residence.",
    )


class RegisterListView(ChildRecordAPIView):
    """Open thuiszitter periods of children whose absence the user may read (the list scope
    ``policy.allowed_children`` in the query; ``policy.decide_many`` for the page's access-log rows), longest at home
    first; one access-log row per child on the page."""

    required_scopes = ["thuiszitters:read"]
    declaration = Declaration(get=search(ABSENCE), child_kwarg=None)

    @extend_schema(
        operation_id="thuiszitters_list",
        parameters=[RegisterFilterSerializer, PAGE],
        responses=page_of(ThuiszitterSerializer),
        examples=[OpenApiExample("An open period", value=PERIOD_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        today = timezone.localdate()
        readable = policy.allowed_children(user, Action.READ, ABSENCE)  # type: ignore[arg-type]
        periods = Thuiszitter.objects.filter(ended_on__isnull=True, child__in=readable)  # one query (issue 17)
        school = filters(request, RegisterFilterSerializer).get("school")
        if school:
            periods = periods.filter(school_id=school)
        recent = LeerplichtVisit.objects.filter(thuiszitter=OuterRef("pk"), visited_on__gt=today - timedelta(days=365))
        periods = (
            periods.select_related("child", "school", "level")
            .annotate(visited=Exists(recent))
            .order_by("started_on", "id")
        )
        page = Page(request, periods, self)
        decisions = policy.decide_many(user, [t.child for t in page.items], Action.READ, ABSENCE)  # type: ignore[arg-type]
        self.log_shown([t.child for t in page.items], decisions=[decisions[t.child_id] for t in page.items])
        return page.response(ThuiszitterSerializer(page.items, many=True, context={"today": today}).data)


class RegisterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ThuiszitterKind.choices)
    reason = serializers.ChoiceField(choices=Reason.choices)
    started_on = serializers.DateField(help_text="At home since.")
    authorised = serializers.BooleanField(default=False, help_text="The absence is authorised or exempted.")


def _refused_or_conflict(error: DjangoValidationError) -> Exception:
    """A second open period (registered by someone else at the same moment) is a conflict (409), as on the page."""
    if services.ALREADY_REGISTERED in refusal_codes(error):
        return Conflict(message=refusal_text(error))
    return error


class RegisterView(ChildRecordAPIView):
    """Put a child in the register (``services.register``: a registering role that reads the child's absence, else
    403; 409 when the child already has an open period). Logged by the service."""

    required_scopes = ["thuiszitters:write"]
    declaration = Declaration(post=create(ABSENCE, service_decides=True, also=Action.READ), object_type="thuiszitter")

    @extend_schema(
        request=RegisterSerializer,
        responses={201: ThuiszitterSerializer},
        examples=[
            OpenApiExample(
                "Register",
                value={"kind": "relative", "reason": "refusal", "started_on": "2026-01-12", "authorised": False},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, child_id: int) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            period = services.register(request.user, self.child, **serializer.validated_data)  # type: ignore[arg-type]
        except DjangoValidationError as error:
            raise _refused_or_conflict(error) from None
        return Response(ThuiszitterSerializer(period).data, status=status.HTTP_201_CREATED)


def _period(request: Any, child: Child, kwargs: Any) -> Thuiszitter | None:
    return (
        Thuiszitter.objects.filter(child=child, pk=kwargs["thuiszitter_id"]).select_related("level", "school").first()
    )


def steps_allowed(user: Any, child: Child, period: Thuiszitter) -> list[str]:
    """The steps the file page offers this user now (thuiszitters.views.DetailView: the forms shown)."""
    allowed = []
    if period.is_open and services.decider_membership(user, period.level, period) is not None and not period.decided:
        allowed.append("decide")
        if not services.at_top(period):
            allowed.append("escalate")
    if period.is_open and services.may_act(user, period):
        allowed += ["interim", "end"]
    if (
        period.is_open
        and tasks.may(user, "record_visit", child)
        and policy.decide(user, child, Action.UPDATE, ABSENCE).allowed
    ):
        allowed.append("visit")
    return allowed


def _file(user: Any, child: Child, period: Thuiszitter) -> dict[str, Any]:
    return {
        "period": period,
        "ladder": services.ladder_for(child),
        "steps": period.steps.select_related("level"),
        "decisions": period.decisions.all(),
        "interim_arrangements": period.interim_arrangements.all(),
        "visits": period.visits.all(),
        "may": steps_allowed(user, child, period),
    }


FILE_EXAMPLE = OpenApiExample(
    "A thuiszitter's file",
    value={
        "period": PERIOD_EXAMPLE,
        "ladder": [{"id": 1, "rank": 1, "name": "School en ouders", "deadline_working_days": 20}],
        "steps": [],
        "decisions": [],
        "interim_arrangements": [],
        "visits": [{"id": 1, "visited_on": "2026-02-02", "note": "Huisbezoek."}],
        "may": ["interim", "end"],
    },
    response_only=True,
)


class ThuiszitterView(ChildRecordAPIView):
    """One thuiszitter period's file: the period, the ladder, steps, decisions, interim arrangements, visits, and
    the steps this user may record (a read of the child's absence, logged as on the file page)."""

    required_scopes = ["thuiszitters:read"]
    declaration = Declaration(get=read(ABSENCE), object_type="thuiszitter", find=_period)

    @extend_schema(responses=ThuiszitterFileSerializer, examples=[FILE_EXAMPLE])
    def get(self, request: Request, child_id: int, thuiszitter_id: int) -> Response:
        return Response(ThuiszitterFileSerializer(_file(request.user, self.child, self.found)).data)


class DecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    decision = serializers.CharField(max_length=FREE_TEXT_MAX)


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the case goes up.", max_length=FREE_TEXT_MAX)


class InterimWriteSerializer(serializers.Serializer):
    description = serializers.CharField(help_text="What starts.", max_length=FREE_TEXT_MAX)
    provided_by = serializers.CharField(max_length=200)
    starts_on = serializers.DateField()
    payment_pending_between = serializers.CharField(max_length=200)


class VisitWriteSerializer(serializers.Serializer):
    visited_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=FREE_TEXT_MAX)


class EndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(help_text="Back at school on.")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="How it ended.", max_length=FREE_TEXT_MAX
    )


#: A step on the ladder: (request serializer, the service that decides and logs, an example body).
STEPS: dict[str, tuple[type[serializers.Serializer], Callable[..., Any], dict[str, Any]]] = {
    "decide": (DecideSerializer, services.decide, {"outcome": "place", "decision": "Plaatsing op De Brug."}),
    "escalate": (EscalateSerializer, services.escalate, {"reason": "Geen passende jeugdhulp gevonden."}),
    "interim": (
        InterimWriteSerializer,
        services.record_interim,
        {
            "description": "Onderwijs thuis, 4 uur per week.",
            "provided_by": "Onderwijsconsulent",
            "starts_on": "2026-03-10",
            "payment_pending_between": "Gemeente en samenwerkingsverband",
        },
    ),
    "visit": (VisitWriteSerializer, services.record_visit, {"visited_on": "2026-03-09", "note": "Huisbezoek."}),
    "end": (EndSerializer, services.end, {"ended_on": "2026-03-09", "note": "Terug op school."}),
}


def _step_view(step: str) -> type[ChildRecordAPIView]:
    request_serializer, write, example = STEPS[step]

    class StepView(ChildRecordAPIView):
        required_scopes = ["thuiszitters:write"]
        # Each step's service decides who may record it (decider, leerplicht, ...; 403 otherwise) and logs it.
        declaration = Declaration(
            post=update(ABSENCE, service_decides=True, also=Action.READ), object_type="thuiszitter", find=_period
        )

        @extend_schema(
            operation_id=f"thuiszitters_{step}",
            request=request_serializer,
            responses=ThuiszitterFileSerializer,
            examples=[OpenApiExample(step, value=example, request_only=True), FILE_EXAMPLE],
        )
        def post(self, request: Request, child_id: int, thuiszitter_id: int) -> Response:
            serializer = request_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            period = self.found
            write(request.user, period, **serializer.validated_data)
            period = _period(request, self.child, self.kwargs)
            return Response(ThuiszitterFileSerializer(_file(request.user, self.child, period)).data)  # type: ignore[arg-type]

    StepView.__name__ = StepView.__qualname__ = f"Thuiszitter{step.capitalize()}View"
    StepView.__doc__ = f"Record the step {step!r} on a thuiszitter's ladder, as the file page's form does."
    return StepView


DecideView = _step_view("decide")
EscalateView = _step_view("escalate")
InterimView = _step_view("interim")
VisitView = _step_view("visit")
EndView = _step_view("end")


# --- The overview: counts only ------------------------------------------------------------------------------------


#: A count or figure, or "<5" when it rests on too few children (withheld, as on the page).
FigureField = CellField


class OverviewRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    relative = FigureField()
    absolute = FigureField()
    authorised = FigureField()
    mean_days = FigureField()
    max_days = FigureField()
    no_visit = FigureField()
    open_deadlines = FigureField()
    overdue = FigureField()
    levels = serializers.CharField(help_text='Cases per rung, e.g. "1: 6 · 2: <5".')
    unauthorised_hours = FigureField()
    sick_hours = FigureField()


class OverviewSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=list(overview.GROUPINGS))
    min_cell = serializers.IntegerField(help_text="A figure resting on 1 up to this minus one children is withheld.")
    rows = OverviewRowSerializer(many=True)
    total = OverviewRowSerializer()


OVERVIEW_FIELDS = list(OverviewRowSerializer().fields)


def _overview_row(values: list[Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, overview.Withheld) else v for k, v in zip(OVERVIEW_FIELDS, values, strict=True)}


class OverviewView(APIView):
    """Thuiszitters and absence per school, wijk or municipality of residence: counts only, no names; a figure
    that rests on too few children is "<5" here as on the page (``overview.Table.values``). 403 without a role
    that sees the overview. Logged as one aggregate row, as the page's download."""

    serves_child_data = False
    required_scopes = ["thuiszitters:read"]

    @extend_schema(
        operation_id="thuiszitters_overview",
        parameters=[OverviewFilterSerializer],
        responses=OverviewSerializer,
        examples=[
            OpenApiExample(
                "Per school, one small cell withheld",
                value={
                    "by": "school",
                    "min_cell": 5,
                    "rows": [
                        {
                            "name": "De Regenboog",
                            "relative": 6,
                            "absolute": 0,
                            "authorised": "<5",
                            "mean_days": 41,
                            "max_days": 90,
                            "no_visit": "<5",
                            "open_deadlines": 6,
                            "overdue": 0,
                            "levels": "1: 6",
                            "unauthorised_hours": 120.5,
                            "sick_hours": "<5",
                        }
                    ],
                    "total": {
                        "name": "Totaal",
                        "relative": 6,
                        "absolute": 0,
                        "authorised": "<5",
                        "mean_days": 41,
                        "max_days": 90,
                        "no_visit": "<5",
                        "open_deadlines": 6,
                        "overdue": 0,
                        "levels": "1: 6",
                        "unauthorised_hours": 120.5,
                        "sick_hours": "<5",
                    },
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        scope = overview.scope_for(user)  # type: ignore[arg-type]
        if scope is None:
            raise PermissionDenied
        by = filters(request, OverviewFilterSerializer).get("by", "school")
        table = overview.build(scope, by)
        membership = next(iter(tasks.memberships(user, "see_thuiszitter_overview")), None)  # type: ignore[arg-type]
        log.log_aggregate(
            user,  # type: ignore[arg-type]
            "thuiszitter_overview",
            category=ABSENCE,
            object_type="thuiszitter_overview",
            object_id=by,
            membership=membership,
        )
        data = {
            "by": by,
            "min_cell": table.min_cell,
            "rows": [_overview_row(line) for line in table.lines],
            "total": _overview_row(table.total_line),
        }
        return Response(OverviewSerializer(data).data)
