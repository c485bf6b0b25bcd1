"""REST API for the case workflow: the same capabilities as the web pages. Thin: scope first (404 outside it),
then shape validation, then the services, which check the policy again and log in the same transaction."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rondom.access import policy
from rondom.access.categories import Action, DataCategory
from rondom.access.guard import guarded_child, log_search
from rondom.accounts.models import Membership, Organisation, User
from rondom.consent.models import Consent
from rondom.registry.api import UnknownAwareRelatedField

from . import selectors, services, workflow
from .models import (
    ActionItem,
    AgendaItem,
    Case,
    CaseStatus,
    Concern,
    HelpRequest,
    Plan,
    PlanAgreement,
    Signal,
    SignalSource,
)
from .workflow import State


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def _child(request: Request, child_id: int, action: str = Action.READ, category: str = DataCategory.IDENTITY):  # type: ignore[no-untyped-def]
    """Scope first: a child outside the user's scope answers 404 before any input is looked at."""
    return policy.get_child_or_404(_user(request), child_id, action, category)[0]


class SignalSerializer(serializers.ModelSerializer):
    # Named raised_by_kind: "source" is an attribute of every DRF field and cannot be a field name here.
    raised_by_kind = serializers.ChoiceField(source="source", choices=SignalSource.choices)
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
    conversation_notes = serializers.CharField()
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
    state = serializers.CharField(read_only=True)
    history = StatusSerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)
    help_requests = HelpRequestSerializer(many=True, read_only=True)
    next_states = serializers.SerializerMethodField()

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


class CaseCreateSerializer(serializers.Serializer):
    signal = serializers.IntegerField()
    question = serializers.CharField()


class TransitionSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    until = serializers.DateField(required=False, allow_null=True, default=None)


class GoalSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, allow_blank=True)
    domain = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    target = serializers.CharField(allow_blank=True)
    owner = serializers.CharField(allow_blank=True)
    support_by = serializers.CharField(required=False, allow_blank=True)
    support_where = serializers.CharField(required=False, allow_blank=True)


class PlanWriteSerializer(serializers.Serializer):
    goals = GoalSerializer(many=True)
    includes_treatment = serializers.BooleanField()
    base_version = serializers.IntegerField(min_value=0)
    next_evaluation = serializers.DateField(required=False, allow_null=True, default=None)


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanAgreement
        fields = ["capacity", "person_name", "agrees", "own_words", "version", "recorded_at"]
        read_only_fields = ["version", "recorded_at"]


class PlanSerializer(serializers.ModelSerializer):
    goals = serializers.SerializerMethodField()
    agreements = AgreementSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["version", "includes_treatment", "next_evaluation", "goals", "agreements", "family_plan"]

    def get_goals(self, plan: Plan) -> list[dict[str, Any]]:
        return list(plan.content.get("goals", [])) if isinstance(plan.content, dict) else []


class EvaluationSerializer(serializers.Serializer):
    goal_id = serializers.CharField()
    rater = serializers.CharField()
    score = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class HelpRequestCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HelpRequest.Kind.choices)
    provider = UnknownAwareRelatedField("organisatie", queryset=Organisation.objects.all())
    question = serializers.CharField()
    urgency = serializers.ChoiceField(choices=HelpRequest.Urgency.choices, default=HelpRequest.Urgency.NORMAL)
    consent = UnknownAwareRelatedField("toestemming", queryset=Consent.objects.all(), required=False, allow_null=True)
    categories = serializers.ListField(child=serializers.ChoiceField(choices=DataCategory.choices), default=list)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class InboxItemSerializer(serializers.ModelSerializer):
    child = serializers.IntegerField(source="case.child_id")
    given_name = serializers.CharField(source="case.child.given_name")
    school = serializers.CharField(source="case.child.school.name", default="")

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
        ]


class SignalListView(APIView):
    serves_child_data = True
    record_category = DataCategory.SUPPORT

    @extend_schema(responses=SignalSerializer(many=True))
    def get(self, request: Request, child_id: int) -> Response:
        child, _d = guarded_child(request, child_id, DataCategory.SUPPORT, object_type="signals")
        return Response(SignalSerializer(Signal.objects.filter(child=child), many=True).data)

    @extend_schema(request=SignalSerializer, responses={201: SignalSerializer})
    def post(self, request: Request, child_id: int) -> Response:
        child = _child(request, child_id)
        serializer = SignalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        signal = services.raise_signal(
            _user(request), child, source=d["source"], concerns=d["concerns"], description=d["description"]
        )
        return Response(SignalSerializer(signal).data, status=status.HTTP_201_CREATED)


class ConversationView(APIView):
    serves_child_data = True
    record_category = DataCategory.SUPPORT

    @extend_schema(request=ConversationSerializer, responses=SignalSerializer)
    def post(self, request: Request, child_id: int, signal_id: int) -> Response:
        child = _child(request, child_id)
        signal = get_object_or_404(Signal, pk=signal_id, child=child)
        serializer = ConversationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        signal = services.record_conversation(
            _user(request), signal, on=d["conversation_on"], notes=d["conversation_notes"], with_child=d["with_child"]
        )
        return Response(SignalSerializer(signal).data)


class CaseListView(APIView):
    serves_child_data = True
    record_category = DataCategory.SUPPORT

    @extend_schema(responses=CaseSerializer(many=True))
    def get(self, request: Request) -> Response:
        state = request.query_params.get("state") or None
        cases = list(
            selectors.cases_for(_user(request), state if state in State.values else None).prefetch_related(
                "history", "help_requests"
            )[:200]
        )
        log_search(_user(request), [c.child for c in cases], DataCategory.SUPPORT)
        return Response(CaseSerializer(cases, many=True).data)


class ChildCaseCreateView(APIView):
    serves_child_data = True
    record_category = DataCategory.SUPPORT

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
    def post(self, request: Request, child_id: int) -> Response:
        child = _child(request, child_id)
        serializer = CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signal = get_object_or_404(Signal, pk=serializer.validated_data["signal"], child=child)
        case = services.register_case(_user(request), signal, question=serializer.validated_data["question"])
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    serves_child_data = True
    record_category = DataCategory.SUPPORT

    @extend_schema(responses=CaseSerializer)
    def get(self, request: Request, child_id: int, case_id: int) -> Response:
        child, _d = guarded_child(request, child_id, DataCategory.SUPPORT, object_type="case", object_id=case_id)
        case = get_object_or_404(Case.objects.prefetch_related("history", "help_requests"), pk=case_id, child=child)
        return Response(CaseSerializer(case).data)


class TransitionView(APIView):
    serves_child_data = True
    record_category = DataCategory.SUPPORT

    @extend_schema(request=TransitionSerializer, responses=CaseSerializer)
    def post(self, request: Request, child_id: int, case_id: int) -> Response:
        child = _child(request, child_id)
        case = get_object_or_404(Case, pk=case_id, child=child)
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        case = services.change_state(_user(request), case, d["state"], reason=d["reason"], until=d["until"])
        return Response(CaseSerializer(Case.objects.prefetch_related("history").get(pk=case.pk)).data)


class PlanView(APIView):
    serves_child_data = True
    record_category = DataCategory.SUPPORT

    @extend_schema(responses=PlanSerializer)
    def get(self, request: Request, child_id: int) -> Response:
        child, _d = guarded_child(request, child_id, DataCategory.SUPPORT, object_type="plan")
        plan = Plan.objects.filter(child=child).prefetch_related("agreements").first()
        if plan is None:
            return Response({"version": 0, "includes_treatment": False, "goals": [], "agreements": []})
        return Response(PlanSerializer(plan).data)

    @extend_schema(
        request=PlanWriteSerializer,
        responses={
            200: PlanSerializer,
            409: inline_serializer(
                "PlanConflict",
                {
                    "detail": serializers.CharField(),
                    "current_version": serializers.IntegerField(),
                    "changes": serializers.ListField(child=serializers.DictField()),
                },
            ),
        },
    )
    def put(self, request: Request, child_id: int) -> Response:
        child = _child(request, child_id)
        serializer = PlanWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        try:
            plan = services.save_plan(
                _user(request),
                child,
                goals=[dict(g) for g in d["goals"]],
                includes_treatment=d["includes_treatment"],
                base_version=d["base_version"],
                next_evaluation=d["next_evaluation"],
            )
        except services.PlanConflict as conflict:
            return Response(
                {
                    "detail": "Iemand anders heeft het plan intussen opgeslagen. Er is niets van u opgeslagen.",
                    "current_version": conflict.current_version,
                    "changes": conflict.changes,
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(PlanSerializer(plan).data)


class AgreementView(APIView):
    serves_child_data = True
    record_category = DataCategory.SUPPORT

    @extend_schema(request=AgreementSerializer, responses={201: AgreementSerializer})
    def post(self, request: Request, child_id: int) -> Response:
        child = _child(request, child_id)
        plan = get_object_or_404(Plan, child=child)
        serializer = AgreementSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = services.record_agreement(_user(request), plan, **serializer.validated_data)
        return Response(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)


class EvaluationView(APIView):
    serves_child_data = True
    record_category = DataCategory.SUPPORT

    @extend_schema(request=EvaluationSerializer, responses={201: EvaluationSerializer})
    def post(self, request: Request, child_id: int) -> Response:
        child = _child(request, child_id)
        plan = get_object_or_404(Plan, child=child)
        serializer = EvaluationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.evaluate_goal(_user(request), plan, **serializer.validated_data)
        return Response(serializer.data, status=status.HTTP_201_CREATED)


class HelpRequestCreateView(APIView):
    serves_child_data = True
    record_category = DataCategory.SUPPORT

    @extend_schema(request=HelpRequestCreateSerializer, responses={201: HelpRequestSerializer})
    def post(self, request: Request, child_id: int, case_id: int) -> Response:
        child = _child(request, child_id)
        case = get_object_or_404(Case, pk=case_id, child=child)
        serializer = HelpRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        help_request = services.request_help(_user(request), case, **serializer.validated_data)
        return Response(HelpRequestSerializer(help_request).data, status=status.HTTP_201_CREATED)


class InboxView(APIView):
    """Requests addressed to the current user (the provider's named contact person)."""

    serves_child_data = True
    record_category = DataCategory.IDENTITY

    @extend_schema(responses=InboxItemSerializer(many=True))
    def get(self, request: Request) -> Response:
        items = list(selectors.inbox(_user(request)))
        log_search(_user(request), list({r.case.child.pk: r.case.child for r in items}.values()))
        return Response(InboxItemSerializer(items, many=True).data)


class InboxActionView(APIView):
    serves_child_data = True
    record_category = DataCategory.IDENTITY
    actions = {"first-contact", "join", "decline"}

    @extend_schema(
        request=inline_serializer("DeclineReason", {"reason": serializers.CharField(required=False)}),
        responses=InboxItemSerializer,
    )
    def post(self, request: Request, request_id: int, action: str) -> Response:
        help_request = get_object_or_404(HelpRequest, pk=request_id, contact__user=_user(request))
        if action == "first-contact":
            help_request = services.record_first_contact(_user(request), help_request)
        elif action == "join":
            help_request = services.join(_user(request), help_request)
        elif action == "decline":
            reason = request.data.get("reason", "") if isinstance(request.data, dict) else ""
            help_request = services.decline(_user(request), help_request, str(reason))
        else:
            return Response(status=status.HTTP_404_NOT_FOUND)
        return Response(InboxItemSerializer(help_request).data)


class ActionCreateView(APIView):
    serves_child_data = True
    record_category = DataCategory.SUPPORT

    @extend_schema(request=ActionSerializer, responses={201: ActionSerializer})
    def post(self, request: Request, child_id: int, case_id: int) -> Response:
        child = _child(request, child_id)
        case = get_object_or_404(Case, pk=case_id, child=child)
        serializer = ActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.add_action(_user(request), case, **serializer.validated_data)
        return Response(ActionSerializer(item).data, status=status.HTTP_201_CREATED)


class MinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField(allow_blank=True)
    present = serializers.ListField(child=serializers.IntegerField(), default=list)


class MinutesView(APIView):
    """Minutes of a case discussed in a support team meeting: written by the team, read only by those present."""

    serves_child_data = True
    record_category = DataCategory.SUPPORT

    def _item(self, request: Request, child_id: int, item_id: int) -> AgendaItem:
        child = _child(request, child_id)
        return get_object_or_404(AgendaItem.objects.select_related("case__child"), pk=item_id, case__child=child)

    @extend_schema(responses=MinutesSerializer)
    def get(self, request: Request, child_id: int, item_id: int) -> Response:
        item = self._item(request, child_id, item_id)
        minutes = services.minutes_for(_user(request), item)
        if minutes is None:
            return Response({"detail": "Alleen wie aanwezig was, leest het verslag."}, status=status.HTTP_403_FORBIDDEN)
        guarded_child(request, child_id, DataCategory.SUPPORT, object_type="minutes", object_id=item.pk)
        return Response({"minutes": minutes, "present": list(item.present.values_list("pk", flat=True))})

    @extend_schema(request=MinutesSerializer, responses=MinutesSerializer)
    def put(self, request: Request, child_id: int, item_id: int) -> Response:
        item = self._item(request, child_id, item_id)
        serializer = MinutesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        present = list(User.objects.filter(pk__in=serializer.validated_data["present"]))
        item = services.record_minutes(
            _user(request), item, minutes=serializer.validated_data["minutes"], present=present
        )
        return Response({"minutes": item.minutes, "present": list(item.present.values_list("pk", flat=True))})
