"""API for the short questionnaires at a plan's evaluation (issue 15, part 6), as the pages allow: a teacher or
mentor reads the questionnaire of a pupil's plan (and, who holds the evaluation, every answer given on it) and
answers it; a parent or youth does the same for their own child's plan through the portal's door. The same
services decide and log (feedback.services.answer: 403 for who may not answer as that respondent, 400 per field).

Scopes (``required_scopes``, django-oauth-toolkit's ``TokenHasScope``): ``feedback:read`` to read,
``feedback:write`` to answer; the family's endpoints ``portal`` (no machine client gets it).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from rondom.access import policy
from rondom.access.declared import ChildRecordAPIView, Declaration, create, read
from rondom.cases.models import Plan
from rondom.core.categories import Action, DataCategory
from rondom.portal import services as portal
from rondom.portal.api import FamilyAPIView
from rondom.registry.models import Child

from . import services
from .models import FeedbackResponse, Respondent

SUPPORT = DataCategory.SUPPORT


def _saved_plan(request: Any, child: Child, kwargs: Any) -> Plan | None:
    """A questionnaire belongs to a saved plan: without one there is nothing to answer about (404)."""
    return Plan.objects.filter(child=child, version__gt=0).select_related("child").first()


class AnswerSerializer(serializers.ModelSerializer):
    helps = serializers.IntegerField(
        min_value=services.HELPS_RANGE[0],
        max_value=services.HELPS_RANGE[1],
        help_text="Do you notice that the help contributes to the goals? 1 (not at all) to 5 (very much).",
    )
    wellbeing = serializers.IntegerField(
        min_value=services.WELLBEING_RANGE[0],
        max_value=services.WELLBEING_RANGE[1],
        allow_null=True,
        required=False,
        default=None,
        help_text="How are things going? 1 (very bad) to 10 (very good); null: left open.",
    )
    comment = serializers.CharField(max_length=services.MAX_COMMENT, allow_blank=True, required=False, default="")

    class Meta:
        model = FeedbackResponse
        fields = ["id", "respondent", "round", "answered_on", "helps", "wellbeing", "comment"]
        read_only_fields = ["id", "respondent", "round", "answered_on"]


class QuestionnaireSerializer(serializers.Serializer):
    plan_version = serializers.IntegerField()
    round = serializers.DateField(help_text="The evaluation round an answer given today belongs to.")
    own_answer = AnswerSerializer(allow_null=True, help_text="Your answer in this round (null: none yet).")
    may_answer = serializers.BooleanField()
    answers = AnswerSerializer(
        many=True, allow_null=True, help_text="Every answer on the plan, for who holds the evaluation; else null."
    )


ANSWER_EXAMPLE = OpenApiExample(
    "An answer", value={"helps": 4, "wellbeing": 7, "comment": "Het gaat beter sinds de gesprekken."}, request_only=True
)
QUESTIONNAIRE_EXAMPLE = OpenApiExample(
    "The questionnaire",
    value={"plan_version": 2, "round": "2026-06-01", "own_answer": None, "may_answer": True, "answers": None},
    response_only=True,
)


def _may_answer_as_teacher(user: Any, child: Child) -> bool:
    try:
        services.teacher_decision(user, child)
    except Exception:  # PermissionDenied: no ground to answer as teacher
        return False
    return True


def _questionnaire(user: Any, plan: Plan, *, may_answer: bool, answers: Any) -> dict[str, Any]:
    return {
        "plan_version": plan.version,
        "round": services.current_round(plan),
        "own_answer": services.own_answer(user, plan),
        "may_answer": may_answer,
        "answers": answers,
    }


class TeacherQuestionnaireView(ChildRecordAPIView):
    """The questionnaire of a pupil's plan for teachers and mentors (a read of support, logged as on the page);
    those who may change the plan also see every answer."""

    required_scopes = ["feedback:read"]
    declaration = Declaration(get=read(SUPPORT), object_type="feedback_questionnaire", find=_saved_plan)

    @extend_schema(
        operation_id="feedback_teacher_questionnaire",
        responses=QuestionnaireSerializer,
        examples=[QUESTIONNAIRE_EXAMPLE],
    )
    def get(self, request: Request, child_id: int) -> Response:
        user, child, plan = request.user, self.child, self.found
        sees_answers = policy.decide(user, child, Action.UPDATE, SUPPORT).allowed  # type: ignore[arg-type]
        data = _questionnaire(
            user,
            plan,
            may_answer=_may_answer_as_teacher(user, child),
            answers=list(services.answers_for(plan)) if sees_answers else None,
        )
        return Response(QuestionnaireSerializer(data).data)


class TeacherAnswerView(ChildRecordAPIView):
    """Answer the questionnaire as teacher or mentor; a second answer in the same round changes the first."""

    required_scopes = ["feedback:write"]
    declaration = Declaration(
        post=create(SUPPORT, service_decides=True, also=Action.READ),
        object_type="feedback_questionnaire",
        find=_saved_plan,
    )

    @extend_schema(
        operation_id="feedback_teacher_answer",
        request=AnswerSerializer,
        responses={201: AnswerSerializer},
        examples=[ANSWER_EXAMPLE],
    )
    def post(self, request: Request, child_id: int) -> Response:
        services.teacher_decision(request.user, self.child)  # type: ignore[arg-type]  # 403 before the body is read
        return _answer(request, self.found, Respondent.TEACHER)


def _answer(request: Request, plan: Plan, respondent: str) -> Response:
    serializer = AnswerSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    found = services.answer(request.user, plan, respondent, data["helps"], data["wellbeing"], data["comment"])  # type: ignore[arg-type]
    return Response(AnswerSerializer(found).data, status=status.HTTP_201_CREATED)


class FamilyQuestionnaireView(FamilyAPIView):
    """The questionnaire of your child's plan, for the parent or the youth (family grounds only, as the portal)."""

    declaration = Declaration(
        get=read(SUPPORT),
        object_type="feedback_questionnaire",
        find=_saved_plan,
        logs_found=False,
        opens=portal.opened,
    )

    @extend_schema(
        operation_id="portal_questionnaire", responses=QuestionnaireSerializer, examples=[QUESTIONNAIRE_EXAMPLE]
    )
    def get(self, request: Request, child_id: int) -> Response:
        data = _questionnaire(request.user, self.found, may_answer=True, answers=None)
        return Response(QuestionnaireSerializer(data).data)


class FamilyAnswerView(FamilyAPIView):
    """Answer the questionnaire as the parent or the youth you are for this child."""

    declaration = Declaration(
        post=create(SUPPORT, service_decides=True),
        object_type="feedback_questionnaire",
        find=_saved_plan,
        logs_found=False,
        opens=portal.opened,
    )

    @extend_schema(
        operation_id="portal_questionnaire_answer",
        request=AnswerSerializer,
        responses={201: AnswerSerializer},
        examples=[ANSWER_EXAMPLE],
    )
    def post(self, request: Request, child_id: int) -> Response:
        return _answer(request, self.found, self.opened.capacity)
