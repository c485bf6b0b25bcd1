"""REST API for the case workflow: the same capabilities as the web pages. Thin: scope first (404 outside it),
then shape validation, then the services, which check the policy again and log in the same transaction.

Each endpoint declares its access (rondom.access.declared): the base resolves the child, answers 404 outside scope
and 403 when not allowed, and logs a read; a list logs one row per child shown, on that child's ground."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from rondom.access import policy, tasks
from rondom.access.declared import ChildRecordAPIView, Declaration, create, read, search, update
from rondom.access.policy import Decision
from rondom.accounts.models import Membership, Organisation, User
from rondom.config.pagination import PAGE, Page, page_of
from rondom.consent.models import Consent
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Refused
from rondom.limits import FREE_TEXT_MAX, GOAL_FIELD_MAX, PLAN_GOALS_MAX
from rondom.registry.api import CONFLICT, IF_MATCH, UnknownAwareRelatedField
from rondom.registry.models import Child
from rondom.versioning import etag, requested_version

from . import selectors, services, workflow
from .measures import number_text
from .models import (
    ActionItem,
    AgendaItem,
    Case,
    CaseStatus,
    Concern,
    GoalEvaluation,
    HelpRequest,
    Plan,
    PlanAgreement,
    PlanVersion,
    Signal,
    SignalSource,
    SocialWorkActivity,
)
from .progress import goal_progress
from .workflow import State


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


# --- Fields -------------------------------------------------------------------------------------------------


class ChildScopedField(UnknownAwareRelatedField):
    """An object that must belong to the child in the URL. Anything else, also another child's object, reads as
    unknown: the answer does not tell whether it exists."""

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        assert queryset is not None
        return queryset.filter(child=self.context["child"])


class CaseInScopeField(UnknownAwareRelatedField):
    """A case of a child in the user's scope; any other case reads as unknown."""

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        assert queryset is not None
        return queryset.filter(child__in=policy.children_in_scope(self.context["user"]))


# --- Serializers --------------------------------------------------------------------------------------------


class SignalSerializer(serializers.ModelSerializer):
    # Named raised_by_kind: "source" is an attribute of every DRF field and cannot be a field name here.
    # Counts only for the school's support staff and leerplicht, who record signals from others; for everyone else
    # the source is who files it (services.own_source), whatever is sent.
    raised_by_kind = serializers.ChoiceField(source="source", choices=SignalSource.choices, required=False)
    concerns = serializers.ListField(child=serializers.ChoiceField(choices=Concern.choices), allow_empty=False)

    class Meta:
        model = Signal
        fields = [
            "id",
            "raised_by_kind",
            "concerns",
            "description",
            "raised_at",
            "conversation_on",
            "conversation_notes",
            "conversation_with_child",
        ]
        read_only_fields = ["raised_at", "conversation_on", "conversation_notes", "conversation_with_child"]


class ConversationSerializer(serializers.Serializer):
    conversation_on = serializers.DateField()
    conversation_notes = serializers.CharField(max_length=FREE_TEXT_MAX)
    with_child = serializers.BooleanField(default=False)


class StatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseStatus
        fields = ["state", "reason", "until", "changed_at"]


class HelpRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = HelpRequest
        fields = [
            "id",
            "kind",
            "provider",
            "question",
            "urgency",
            "categories",
            "ends_on",
            "requested_at",
            "first_contact_at",
            "joined_at",
            "closed_at",
        ]


class ActionSerializer(serializers.ModelSerializer):
    owner = UnknownAwareRelatedField("rol", queryset=Membership.objects.all())

    class Meta:
        model = ActionItem
        fields = ["id", "description", "owner", "due", "status"]
        read_only_fields = ["status"]


class CaseSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    history = StatusSerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)
    help_requests = HelpRequestSerializer(many=True, read_only=True)
    next_states = serializers.SerializerMethodField(help_text="The states this case may go to next (workflow table).")

    class Meta:
        model = Case
        fields = [
            "id",
            "child",
            "signal",
            "question",
            "state",
            "decision_due",
            "solved_within_school",
            "registered_at",
            "history",
            "help_requests",
            "actions",
            "next_states",
        ]

    def get_next_states(self, case: Case) -> list[str]:
        return workflow.next_states(case.state)


class CaseFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, required=False, help_text="Only cases in this state.")


class CaseCreateSerializer(serializers.Serializer):
    signal = ChildScopedField("signaal", queryset=Signal.objects.all())
    question = serializers.CharField(max_length=FREE_TEXT_MAX)


class TransitionSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    until = serializers.DateField(required=False, allow_null=True, default=None)


class _OptionalDateField(serializers.DateField):
    """An ISO date, or empty (null or "", as a goal read from the API holds it) for none."""

    def to_internal_value(self, value: Any) -> Any:
        return None if value in ("", None) else super().to_internal_value(value)


class MeasureNumberField(serializers.CharField):
    """A measure's number as a JSON number or as text ("2.5", also "2,5"); handed to the service as text, which
    checks it (cases.measures) and names the field in its message."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            data = str(data)
        return super().to_internal_value(data)


class GoalSerializer(serializers.Serializer):
    # The domain is checked by the service, which names the goal and the rule in its message.
    # The server's: kept only when it is the id of a goal of the current plan, else a fresh one is given
    # (services.save_plan); so any string is taken, never refused.
    id = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        help_text="The id of a goal of the current plan, to keep it (and its evaluations); empty, unknown or "
        "repeated: a new goal with a new id.",
    )
    domain = serializers.CharField(help_text="school, home, leisure or work (work from 16).", max_length=20)
    description = serializers.CharField(allow_blank=True, max_length=GOAL_FIELD_MAX)
    target = serializers.CharField(allow_blank=True, max_length=GOAL_FIELD_MAX)
    owner = serializers.CharField(allow_blank=True, max_length=GOAL_FIELD_MAX)
    support = serializers.CharField(
        required=False, allow_blank=True, max_length=GOAL_FIELD_MAX, help_text="What support or help (free text)."
    )
    support_by = serializers.CharField(required=False, allow_blank=True, max_length=GOAL_FIELD_MAX)
    support_where = serializers.CharField(required=False, allow_blank=True, max_length=GOAL_FIELD_MAX)
    evaluate_on = _OptionalDateField(
        required=False,
        allow_null=True,
        help_text="The goal's own evaluation date, from today up to a year ahead; empty: at the plan's "
        "next_evaluation. Stored and returned as an ISO date or an empty string.",
    )
    # The measure of the goal (cases.measures, docs/cases.md "The measure of a goal"); checked by the service.
    measure_kind = serializers.ChoiceField(
        choices=["", "scale", "own"],
        required=False,
        allow_blank=True,
        help_text='"scale" (0 to 10), "own" (an own target measure) or "" (the scale, as a goal without a measure).',
    )
    measure_zero = serializers.CharField(
        required=False, allow_blank=True, max_length=GOAL_FIELD_MAX, help_text="Scale: what 0 means for this goal."
    )
    measure_ten = serializers.CharField(
        required=False, allow_blank=True, max_length=GOAL_FIELD_MAX, help_text="Scale: what 10 means for this goal."
    )
    measure_name = serializers.CharField(
        required=False, allow_blank=True, max_length=GOAL_FIELD_MAX, help_text="Own measure: its name (needed)."
    )
    measure_unit = serializers.CharField(
        required=False, allow_blank=True, max_length=GOAL_FIELD_MAX, help_text="Own measure: its unit."
    )
    measure_start = MeasureNumberField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text='The start value, a number ("2", "4.5"); on the scale 0 to 10 or empty; needed on an own measure. '
        "Returned as text with a decimal point.",
    )
    measure_aim = MeasureNumberField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="The aim, a number; on the scale 0 to 10 or empty; needed on an own measure, unlike the start.",
    )


class PlanWriteSerializer(serializers.Serializer):
    goals = GoalSerializer(many=True, max_length=PLAN_GOALS_MAX)  # type: ignore[call-arg]
    includes_treatment = serializers.BooleanField()
    base_version = serializers.IntegerField(
        min_value=0, help_text="The version you read; if someone saved in between the answer is 409 Conflict."
    )
    next_evaluation = serializers.DateField(required=False, allow_null=True, default=None)


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanAgreement
        fields = ["capacity", "person_name", "agrees", "own_words", "version", "recorded_at"]
        read_only_fields = ["version", "recorded_at"]


class PlanVersionSerializer(serializers.ModelSerializer):
    saved_by = serializers.CharField(source="saved_by.display_name", default=None, allow_null=True)
    goal_count = serializers.SerializerMethodField()

    class Meta:
        model = PlanVersion
        fields = ["number", "includes_treatment", "goal_count", "saved_by", "saved_at"]

    def get_goal_count(self, version: PlanVersion) -> int:
        return len(version.content.get("goals", [])) if isinstance(version.content, dict) else 0


class ProgressPointSerializer(serializers.Serializer):
    evaluated_on = serializers.DateField(source="on")
    value = serializers.CharField(help_text='The value as text with a decimal point ("2.5").')
    rater = serializers.CharField(help_text="Who rated it: parent, youth, teacher or professional.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["value"] = number_text(instance.value)
        return data


class GoalProgressSerializer(serializers.Serializer):
    goal = serializers.CharField(source="goal.id", help_text="The goal's id.")
    kind = serializers.CharField(help_text='"scale" (0 to 10) or "own" (the goal\'s own measure).')
    points = ProgressPointSerializer(many=True, help_text="The evaluations with a value, in order of date.")


class PlanSerializer(serializers.ModelSerializer):
    goals = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField(help_text="Per goal, the points of its chart (cases.progress).")
    agreements = AgreementSerializer(many=True, read_only=True)
    versions = PlanVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "version",
            "includes_treatment",
            "next_evaluation",
            "goals",
            "progress",
            "agreements",
            "versions",
            "family_plan",
        ]

    def get_goals(self, plan: Plan) -> list[dict[str, Any]]:
        # Every goal in one shape (services.GOAL_KEYS), also one written before a key existed.
        goals = plan.content.get("goals", []) if isinstance(plan.content, dict) else []
        return [{**dict.fromkeys(services.GOAL_KEYS, ""), **g} for g in goals if isinstance(g, dict)]

    @extend_schema_field(GoalProgressSerializer(many=True))
    def get_progress(self, plan: Plan) -> list[dict[str, Any]]:
        return list(GoalProgressSerializer(goal_progress(plan), many=True).data)


PlanConflictSerializer = inline_serializer(
    "PlanConflict",
    {
        "detail": serializers.CharField(),
        "current_version": serializers.IntegerField(),
        "changes": serializers.ListField(child=serializers.DictField()),
    },
)


class EvaluationSerializer(serializers.ModelSerializer):
    rater = serializers.ChoiceField(choices=GoalEvaluation.Rater.choices)
    score = serializers.IntegerField(help_text="1 (not at all) to 5 (fully reached).")
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=FREE_TEXT_MAX)
    evaluated_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: today.")
    value = MeasureNumberField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        max_length=20,
        help_text="Where the goal stands now on its measure: 0 to 10 on the scale, a number on the goal's own "
        'measure (at most two decimals); a point of its chart. Returned as text with a decimal point ("2.5"); null: '
        "not measured.",
    )

    class Meta:
        model = GoalEvaluation
        fields = ["id", "goal_id", "rater", "score", "value", "comment", "evaluated_on"]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["value"] = number_text(instance.value) if instance.value is not None else None
        return data


class HelpRequestCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HelpRequest.Kind.choices)
    provider = UnknownAwareRelatedField("organisatie", queryset=Organisation.objects.all())
    question = serializers.CharField(max_length=FREE_TEXT_MAX)
    urgency = serializers.ChoiceField(choices=HelpRequest.Urgency.choices, default=HelpRequest.Urgency.NORMAL)
    consent = ChildScopedField("toestemming", queryset=Consent.objects.all(), required=False, allow_null=True)
    categories = serializers.ListField(child=serializers.ChoiceField(choices=DataCategory.choices), default=list)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class InboxItemSerializer(serializers.ModelSerializer):
    """A request addressed to the user. Who the child is shows only while the user has a ground for the child
    (the open request, or the grant after joining); afterwards those fields are null."""

    CHILD_FIELDS = ("child", "given_name", "school", "question")

    child = serializers.IntegerField(source="case.child_id", allow_null=True)
    given_name = serializers.CharField(source="case.child.given_name", allow_null=True)
    school = serializers.CharField(source="case.child.school.name", default="", allow_null=True)
    question = serializers.CharField(allow_null=True)
    child_visible = serializers.SerializerMethodField()

    class Meta:
        model = HelpRequest
        fields = [
            "id",
            "child",
            "given_name",
            "school",
            "question",
            "urgency",
            "requested_at",
            "first_contact_at",
            "joined_at",
            "closed_at",
            "child_visible",
        ]

    def get_child_visible(self, help_request: HelpRequest) -> bool:
        return help_request.case.child_id in self.context.get("visible", set())

    def to_representation(self, instance: HelpRequest) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not data["child_visible"]:
            data.update(dict.fromkeys(self.CHILD_FIELDS))
        return data


class DeclineSerializer(serializers.Serializer):
    # Blank is let through: the service answers with its own message ("write down why").
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class MinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField(allow_blank=True, max_length=FREE_TEXT_MAX)
    present = serializers.ListField(child=serializers.IntegerField(), default=list)
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The version you read (also the ETag); a change must name it, here or in If-Match. "
        "If someone saved in between the answer is 409 Conflict and nothing is written.",
    )


class MinutesWriteSerializer(MinutesSerializer):
    """The schema of a change: the version you read is required (or send it in If-Match)."""

    version = serializers.IntegerField(min_value=0, help_text=MinutesSerializer().fields["version"].help_text)


class ActivitySerializer(serializers.ModelSerializer):
    school = UnknownAwareRelatedField("organisatie", queryset=Organisation.objects.all())
    case = CaseInScopeField("casus", queryset=Case.objects.all(), required=False, allow_null=True)
    role = serializers.ChoiceField(choices=SocialWorkActivity.Role.choices)
    hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=FREE_TEXT_MAX)

    class Meta:
        model = SocialWorkActivity
        fields = ["id", "school", "case", "role", "hours", "date", "description"]


# --- Signals ------------------------------------------------------------------------------------------------


class SignalListView(ChildRecordAPIView):
    # Who may raise a signal is the service's rule (a signal role, or the family), not a category right.
    declaration = Declaration(
        get=read(DataCategory.SUPPORT),
        post=create(DataCategory.SUPPORT, service_decides=True),
        object_type="signals",
    )

    @extend_schema(responses=SignalSerializer(many=True))
    def get(self, request: Request, child_id: int) -> Response:
        return Response(SignalSerializer(Signal.objects.filter(child=self.child), many=True).data)

    @extend_schema(
        request=SignalSerializer,
        responses={
            201: SignalSerializer,
            429: OpenApiResponse(description="Today's number of signals for this user is reached."),
        },
    )
    def post(self, request: Request, child_id: int) -> Response:
        serializer = SignalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        # TooManySignals (a LimitReached) answers 429 through the API's exception handler (rondom.config.api).
        signal = services.raise_signal(
            _user(request), self.child, source=d.get("source"), concerns=d["concerns"], description=d["description"]
        )
        return Response(SignalSerializer(signal).data, status=status.HTTP_201_CREATED)


def _signal(request: Any, child: Child, kwargs: Any) -> Signal | None:
    return Signal.objects.filter(pk=kwargs["signal_id"], child=child).first()


def _case(request: Any, child: Child, kwargs: Any) -> Case | None:
    return _case_queryset().filter(pk=kwargs["case_id"], child=child).first()


def _plan(request: Any, child: Child, kwargs: Any) -> Plan | None:
    return Plan.objects.filter(child=child).first()


class ConversationView(ChildRecordAPIView):
    declaration = Declaration(post=update(DataCategory.SUPPORT), object_type="signal", find=_signal)

    @extend_schema(request=ConversationSerializer, responses=SignalSerializer)
    def post(self, request: Request, child_id: int, signal_id: int) -> Response:
        signal = self.found
        serializer = ConversationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        signal = services.record_conversation(
            _user(request), signal, on=d["conversation_on"], notes=d["conversation_notes"], with_child=d["with_child"]
        )
        return Response(SignalSerializer(signal).data)


# --- Cases --------------------------------------------------------------------------------------------------


def _case_queryset() -> QuerySet[Case]:
    return Case.objects.select_related("status").prefetch_related("history", "help_requests", "actions")


class CaseListView(ChildRecordAPIView):
    """Cases of the children in the user's scope whose support data the user may read, soonest decision first."""

    declaration = Declaration(get=search(DataCategory.SUPPORT), child_kwarg=None)

    @extend_schema(
        operation_id="cases_list", parameters=[CaseFilterSerializer, PAGE], responses=page_of(CaseSerializer)
    )
    def get(self, request: Request) -> Response:
        # A plain dict: an empty ?state= is refused as an unknown state, not read as "no filter" (form semantics).
        query = CaseFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        user = _user(request)
        cases = selectors.readable_case_query(user, query.validated_data.get("state")).prefetch_related(
            "history", "help_requests", "actions"
        )
        page = Page(request, cases, self)  # one query for the page, one for the true count (issue 17)
        shown = page.items
        decisions = selectors.page_decisions(user, shown)
        children = {case.child_id: case.child for case in shown}
        self.log_shown(children.values(), decisions=[decisions[pk] for pk in children])
        return page.response(CaseSerializer(shown, many=True).data)


class ChildCaseCreateView(ChildRecordAPIView):
    declaration = Declaration(post=create(DataCategory.SUPPORT), object_type="case")

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
    def post(self, request: Request, child_id: int) -> Response:
        serializer = CaseCreateSerializer(data=request.data, context={"child": self.child})
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        case = services.register_case(_user(request), d["signal"], question=d["question"])
        return Response(CaseSerializer(_case_queryset().get(pk=case.pk)).data, status=status.HTTP_201_CREATED)


class CaseDetailView(ChildRecordAPIView):
    declaration = Declaration(get=read(DataCategory.SUPPORT), object_type="case", find=_case)

    @extend_schema(responses=CaseSerializer)
    def get(self, request: Request, child_id: int, case_id: int) -> Response:
        return Response(CaseSerializer(self.found).data)


class TransitionView(ChildRecordAPIView):
    declaration = Declaration(post=update(DataCategory.SUPPORT), object_type="case", find=_case)

    @extend_schema(request=TransitionSerializer, responses=CaseSerializer)
    def post(self, request: Request, child_id: int, case_id: int) -> Response:
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        case = services.change_state(_user(request), self.found, d["state"], reason=d["reason"], until=d["until"])
        return Response(CaseSerializer(_case_queryset().get(pk=case.pk)).data)


class ActionCreateView(ChildRecordAPIView):
    declaration = Declaration(post=update(DataCategory.SUPPORT), object_type="action", find=_case)

    @extend_schema(request=ActionSerializer, responses={201: ActionSerializer})
    def post(self, request: Request, child_id: int, case_id: int) -> Response:
        serializer = ActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.add_action(_user(request), self.found, **serializer.validated_data, today=timezone.localdate())
        return Response(ActionSerializer(item).data, status=status.HTTP_201_CREATED)


class MinutesView(ChildRecordAPIView):
    """Minutes of a case discussed in a support team meeting: written by the team, read only by those present."""

    declaration = Declaration(get=read(DataCategory.SUPPORT), put=update(DataCategory.SUPPORT), object_type="minutes")

    def find_object(self, child: Child) -> AgendaItem | None:
        item = AgendaItem.objects.select_related("case__child").filter(pk=self.kwargs["item_id"], case__child=child)
        found = item.first()
        if (
            found is not None
            and self.request.method in ("GET", "HEAD")
            and services.minutes_for(_user(self.request), found) is None
        ):
            # Refused before the read is logged: those not present read nothing.
            raise Refused(_("Only those who were present read the minutes."))
        return found

    @extend_schema(responses=MinutesSerializer)
    def get(self, request: Request, child_id: int, item_id: int) -> Response:
        item = self.found
        return Response(_minutes_data(item, item.minutes), headers={"ETag": etag(item.version)})

    @extend_schema(
        request=MinutesWriteSerializer, parameters=[IF_MATCH], responses={200: MinutesSerializer, 409: CONFLICT}
    )
    def put(self, request: Request, child_id: int, item_id: int) -> Response:
        item = self.found
        serializer = MinutesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = requested_version(request.headers.get("If-Match"), serializer.validated_data.get("version"))
        present = list(User.objects.filter(pk__in=serializer.validated_data["present"]))
        item = services.record_minutes(
            _user(request), item, minutes=serializer.validated_data["minutes"], present=present, version=version
        )
        return Response(_minutes_data(item, item.minutes), headers={"ETag": etag(item.version)})


def _minutes_data(item: AgendaItem, minutes: str) -> dict[str, Any]:
    return {"minutes": minutes, "present": list(item.present.values_list("pk", flat=True)), "version": item.version}


# --- One plan -----------------------------------------------------------------------------------------------


def _plan_data(child: Child) -> dict[str, Any]:
    plan = Plan.objects.filter(child=child).prefetch_related("agreements", "versions__saved_by").first()
    if plan is None:
        return {
            "version": 0,
            "includes_treatment": False,
            "next_evaluation": None,
            "goals": [],
            "progress": [],
            "agreements": [],
            "versions": [],
            "family_plan": None,
        }
    data: dict[str, Any] = PlanSerializer(plan).data
    return data


class PlanView(ChildRecordAPIView):
    declaration = Declaration(get=read(DataCategory.SUPPORT), put=update(DataCategory.SUPPORT), object_type="plan")

    @extend_schema(responses=PlanSerializer)
    def get(self, request: Request, child_id: int) -> Response:
        data = _plan_data(self.child)
        return Response(data, headers={"ETag": etag(data["version"])})

    @extend_schema(request=PlanWriteSerializer, responses={200: PlanSerializer, 409: PlanConflictSerializer})
    def put(self, request: Request, child_id: int) -> Response:
        child = self.child
        serializer = PlanWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        # PlanConflict (a Conflict) answers 409 with the current version and the changes (rondom.config.api).
        services.save_plan(
            _user(request),
            child,
            goals=[dict(g) for g in d["goals"]],
            includes_treatment=d["includes_treatment"],
            base_version=d["base_version"],
            next_evaluation=d["next_evaluation"],
            today=timezone.localdate(),
        )
        data = _plan_data(child)
        return Response(data, headers={"ETag": etag(data["version"])})


class AgreementView(ChildRecordAPIView):
    declaration = Declaration(post=update(DataCategory.SUPPORT), object_type="plan_agreement", find=_plan)

    @extend_schema(request=AgreementSerializer, responses={201: AgreementSerializer})
    def post(self, request: Request, child_id: int) -> Response:
        serializer = AgreementSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = services.record_agreement(_user(request), self.found, **serializer.validated_data)
        return Response(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)


class EvaluationView(ChildRecordAPIView):
    declaration = Declaration(post=update(DataCategory.SUPPORT), object_type="goal_evaluation", find=_plan)

    @extend_schema(request=EvaluationSerializer, responses={201: EvaluationSerializer})
    def post(self, request: Request, child_id: int) -> Response:
        serializer = EvaluationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        evaluation = services.evaluate_goal(
            _user(request),
            self.found,
            goal_id=d["goal_id"],
            rater=d["rater"],
            score=d["score"],
            comment=d["comment"],
            on=d["evaluated_on"],
            value=d["value"],
        )
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)


# --- Erbij halen --------------------------------------------------------------------------------------------


class HelpRequestCreateView(ChildRecordAPIView):
    declaration = Declaration(post=update(DataCategory.SUPPORT), object_type="help_request", find=_case)

    @extend_schema(request=HelpRequestCreateSerializer, responses={201: HelpRequestSerializer})
    def post(self, request: Request, child_id: int, case_id: int) -> Response:
        serializer = HelpRequestCreateSerializer(data=request.data, context={"child": self.child})
        serializer.is_valid(raise_exception=True)
        help_request = services.request_help(_user(request), self.found, **serializer.validated_data)
        return Response(HelpRequestSerializer(help_request).data, status=status.HTTP_201_CREATED)


def _visible_children(user: User, requests: list[HelpRequest]) -> dict[int, tuple[Child, Decision]]:
    """The children of these requests the user still has a ground for (the open request, or the grant)."""
    children = {r.case.child_id: r.case.child for r in requests}
    visible: dict[int, tuple[Child, Decision]] = {}
    for pk, child in children.items():
        decision = policy.decide(user, child, Action.READ, DataCategory.IDENTITY)
        if decision.allowed:
            visible[pk] = (child, decision)
    return visible


class InboxView(ChildRecordAPIView):
    """Requests addressed to the current user (the provider's named contact person): open ones first, then the
    joined ones, then the closed ones; newest first within each. A machine client reads the requests addressed to
    its service account with the scope ``requests:read`` (rondom.config.scopes)."""

    declaration = Declaration(get=search(DataCategory.IDENTITY), object_type="help_request", child_kwarg=None)
    required_scopes = ["requests:read"]

    @extend_schema(operation_id="help_requests_inbox_list", parameters=[PAGE], responses=page_of(InboxItemSerializer))
    def get(self, request: Request) -> Response:
        user = _user(request)
        page = Page(
            request,
            selectors.inbox(user).order_by(
                F("closed_at").desc(nulls_first=True), F("joined_at").desc(nulls_first=True), "-requested_at", "pk"
            ),
            self,
        )
        items = page.items
        visible = _visible_children(user, items)
        first_request: dict[int, int] = {}
        for item in items:
            first_request.setdefault(item.case.child_id, item.pk)
        self.log_shown(
            [child for child, _d in visible.values()],
            decisions=[decision for _c, decision in visible.values()],
            object_type="help_request",
            object_ids=[first_request[pk] for pk in visible],
        )
        return page.response(InboxItemSerializer(items, many=True, context={"visible": set(visible)}).data)


class _InboxActionView(ChildRecordAPIView):
    """The contact person acts on a request addressed to them; any other request does not exist for them. No child
    in the URL: the service finds it through the request, decides and logs."""

    declaration = Declaration(
        post=update(DataCategory.IDENTITY, service_decides=True), object_type="help_request", child_kwarg=None
    )

    def _request(self, request: Request, request_id: int) -> HelpRequest:
        return get_object_or_404(HelpRequest, pk=request_id, contact__user=_user(request))

    def _answer(self, request: Request, help_request: HelpRequest) -> Response:
        help_request = HelpRequest.objects.select_related("case__child__school").get(pk=help_request.pk)
        visible = _visible_children(_user(request), [help_request])
        return Response(InboxItemSerializer(help_request, context={"visible": set(visible)}).data)


class FirstContactView(_InboxActionView):
    @extend_schema(request=None, responses=InboxItemSerializer)
    def post(self, request: Request, request_id: int) -> Response:
        help_request = services.record_first_contact(_user(request), self._request(request, request_id))
        return self._answer(request, help_request)


class JoinView(_InboxActionView):
    @extend_schema(request=None, responses=InboxItemSerializer)
    def post(self, request: Request, request_id: int) -> Response:
        help_request = services.join(_user(request), self._request(request, request_id))
        return self._answer(request, help_request)


class DeclineView(_InboxActionView):
    @extend_schema(request=DeclineSerializer, responses=InboxItemSerializer)
    def post(self, request: Request, request_id: int) -> Response:
        help_request = self._request(request, request_id)
        serializer = DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        help_request = services.decline(_user(request), help_request, serializer.validated_data["reason"])
        return self._answer(request, help_request)


# --- School social work -------------------------------------------------------------------------------------


class ActivityView(ChildRecordAPIView):
    """The school social worker logs an activity under one of the three roles; with a case it touches that
    child's record (the service checks the policy and logs it)."""

    declaration = Declaration(
        post=create(DataCategory.SUPPORT, service_decides=True), object_type="social_work_activity", child_kwarg=None
    )

    @extend_schema(request=ActivitySerializer, responses={201: ActivitySerializer})
    def post(self, request: Request) -> Response:
        user = _user(request)
        if not tasks.may(user, "log_social_work"):
            raise PermissionDenied
        serializer = ActivitySerializer(data=request.data, context={"user": user})
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        activity = services.log_activity(
            user,
            school=d["school"],
            role=d["role"],
            hours=float(d["hours"]),
            on=d["date"],
            case=d.get("case"),
            description=d["description"],
        )
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)
