"""API for the family's own portal data, for a future app (issue 15, part 6): what the portal shows a signed-in
parent or youth — their children, a child's plan in plain words, the consents, and who looked at the file. The
same doors as the portal pages: family grounds only (``services.opened`` / ``services.family_children``; a child
that is not theirs is 404), and the same access-log rows (one read row per child shown).

Family session users only: a professional is refused (403 on the list, 404 on a child: family grounds only).
``required_scopes = ["portal"]``, a scope no machine client is given (django-oauth-toolkit's ``TokenHasScope``
convention): no system reads a family's portal.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from rondom.access.declared import ChildRecordAPIView, Declaration, read
from rondom.access.rules import Ground
from rondom.accounts.permissions import is_verified
from rondom.cases.api import GoalProgressSerializer
from rondom.cases.measures import MEASURE_KEYS
from rondom.cases.models import Plan
from rondom.cases.progress import goal_progress
from rondom.config.pagination import PAGE, Page, page_of
from rondom.core.categories import Action, DataCategory
from rondom.core.roles import Role

from . import services
from .models import FamilyDocument


class IsFamilyUser(BasePermission):
    """A parent or youth signed in to the portal (code confirmed: accounts.middleware); not a professional."""

    message = gettext_lazy("The portal is for parents and youths.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return is_verified(user) and not user.is_professional  # type: ignore[union-attr]


class FamilyAPIView(ChildRecordAPIView):
    """A portal endpoint about one child: opened on family grounds only (``services.opened``), so a professional
    finds no child here (404, as on the portal's pages and on every route that names a child outside scope)."""

    required_scopes = ["portal"]


class FamilyChildSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="child.pk")
    given_name = serializers.CharField(source="child.given_name")
    family_name = serializers.CharField(source="child.family_name")
    date_of_birth = serializers.DateField(source="child.date_of_birth")
    school_name = serializers.SerializerMethodField()
    capacity = serializers.ChoiceField(choices=["parent", "youth"], help_text="You see this child as parent or youth.")

    def get_school_name(self, found: services.FamilyChild) -> str | None:
        return found.child.school.name if found.child.school else None


CHILD_EXAMPLE = {
    "id": 4,
    "given_name": "Daan",
    "family_name": "Bakker",
    "date_of_birth": "2015-05-01",
    "school_name": "De Regenboog",
    "capacity": "parent",
}


class ChildrenView(FamilyAPIView):
    """The children you open in the portal (as parent with authority, or as the youth); each a read of basic
    details, logged as on the portal's home page. A professional: 403 (the portal is the families' door)."""

    permission_classes = [IsFamilyUser]
    declaration = Declaration(get=read(DataCategory.IDENTITY), child_kwarg=None)

    @extend_schema(
        operation_id="portal_children_list",
        parameters=[PAGE],
        responses=page_of(FamilyChildSerializer),
        examples=[
            OpenApiExample(
                "My child",
                value={"count": 1, "next": None, "previous": None, "results": [CHILD_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        page = Page(request, services.family_children(request.user), self)  # type: ignore[arg-type]
        shown = page.items
        self.log_shown([f.child for f in shown], decisions=[f.decision for f in shown], action=Action.READ)
        return page.response(FamilyChildSerializer(shown, many=True).data)


class GoalSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    domain = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    target = serializers.CharField(allow_blank=True)
    support = serializers.CharField(allow_blank=True)
    support_by = serializers.CharField(allow_blank=True)
    measure_kind = serializers.CharField(
        allow_blank=True, help_text='How progress is measured: "scale" (0 to 10), "own", or "" (the scale).'
    )
    measure_zero = serializers.CharField(allow_blank=True, help_text="Scale: what 0 means.")
    measure_ten = serializers.CharField(allow_blank=True, help_text="Scale: what 10 means.")
    measure_name = serializers.CharField(allow_blank=True, help_text="Own measure: its name.")
    measure_unit = serializers.CharField(allow_blank=True, help_text="Own measure: its unit.")
    measure_start = serializers.CharField(allow_blank=True, help_text='Start value, decimal point ("2.5") or "".')
    measure_aim = serializers.CharField(allow_blank=True, help_text='Aim, decimal point ("5") or "".')


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = FamilyDocument
        fields = ["id", "name", "content_type", "size", "created_at"]
        read_only_fields = fields


class LogbookEntrySerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    text = serializers.CharField()


class PlanSummarySerializer(serializers.Serializer):
    child = FamilyChildSerializer()
    plan_version = serializers.IntegerField(allow_null=True, help_text="null: no plan saved yet.")
    next_evaluation = serializers.DateField(allow_null=True)
    goals = GoalSummarySerializer(many=True)
    progress = GoalProgressSerializer(many=True, help_text="Per goal, the points of its chart, in order of date.")
    helpers = serializers.ListField(child=serializers.CharField(), help_text="Who helps (from the goals).")
    logbook = LogbookEntrySerializer(many=True)
    documents = DocumentSerializer(many=True)


def _goal(goal: dict[str, Any]) -> dict[str, str]:
    keys = ("id", "domain", "description", "target", "support", "support_by", *MEASURE_KEYS)
    return {k: str(goal.get(k) or "") for k in keys}


class ChildPlanView(FamilyAPIView):
    """A child's plan in plain words, as the portal's child page shows it: the goals, who helps, the logbook and
    the documents (a read of support, logged as on that page)."""

    declaration = Declaration(get=read(DataCategory.SUPPORT), object_type="portal_plan", opens=services.opened)

    @extend_schema(
        operation_id="portal_child_plan",
        responses=PlanSummarySerializer,
        examples=[
            OpenApiExample(
                "A plan",
                value={
                    "child": CHILD_EXAMPLE,
                    "plan_version": 2,
                    "next_evaluation": "2026-06-01",
                    "goals": [
                        {
                            "id": "g1",
                            "domain": "school",
                            "description": "Daan gaat weer elke ochtend naar school.",
                            "target": "Vijf ochtenden per week",
                            "support": "Gesprekken met de schoolmaatschappelijk werker",
                            "support_by": "Schoolmaatschappelijk werk",
                            "measure_kind": "own",
                            "measure_zero": "",
                            "measure_ten": "",
                            "measure_name": "ochtenden op school",
                            "measure_unit": "per week",
                            "measure_start": "2",
                            "measure_aim": "5",
                        }
                    ],
                    "progress": [
                        {
                            "goal": "g1",
                            "kind": "own",
                            "points": [{"evaluated_on": "2026-05-04", "value": "3", "rater": "parent"}],
                        }
                    ],
                    "helpers": ["Schoolmaatschappelijk werk"],
                    "logbook": [],
                    "documents": [],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, child_id: int) -> Response:
        found = self.opened
        plan = Plan.objects.filter(child=found.child, version__gt=0).first()
        goals = [g for g in (plan.content.get("goals", []) if plan else []) if isinstance(g, dict)]
        data = {
            "child": found,
            "plan_version": plan.version if plan else None,
            "next_evaluation": getattr(plan, "next_evaluation", None) if plan else None,
            "goals": [_goal(g) for g in goals],
            "progress": goal_progress(plan),
            "helpers": sorted({str(g.get("support_by")) for g in goals if g.get("support_by")}),
            "logbook": [{"created_at": n.created_at, "text": n.text} for n in services.logbook(found)],
            "documents": FamilyDocument.objects.filter(child=found.child)[:50],
        }
        return Response(PlanSummarySerializer(data).data)


class ConsentRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="consent.pk")
    purpose = serializers.CharField(source="consent.purpose")
    categories = serializers.ListField(source="consent.categories", child=serializers.CharField())
    parts = serializers.CharField(help_text="The parts of the file, in Dutch.")
    recipient_name = serializers.SerializerMethodField()
    valid_from = serializers.DateField(source="consent.valid_from")
    valid_until = serializers.DateField(source="consent.valid_until", allow_null=True)
    withdrawn_at = serializers.DateTimeField(source="consent.withdrawn_at", allow_null=True)
    active = serializers.BooleanField()
    may_withdraw = serializers.BooleanField()
    may_renew = serializers.BooleanField()

    def get_recipient_name(self, row: services.ConsentRow) -> str | None:
        return row.consent.recipient.name if row.consent.recipient else None


class ConsentsView(FamilyAPIView):
    """Every consent about the child: what, to whom, for what, until when, and whether you may withdraw or give
    it again (a read of support, logged as on the portal's consent page)."""

    declaration = Declaration(get=read(DataCategory.SUPPORT), object_type="portal_consents", opens=services.opened)

    @extend_schema(
        operation_id="portal_child_consents",
        responses=ConsentRowSerializer(many=True),
        examples=[
            OpenApiExample(
                "A consent",
                value=[
                    {
                        "id": 9,
                        "purpose": "support_team",
                        "categories": ["support"],
                        "parts": "Ondersteuning",
                        "recipient_name": "Zorgteam De Regenboog",
                        "valid_from": "2026-01-05",
                        "valid_until": "2027-01-05",
                        "withdrawn_at": None,
                        "active": True,
                        "may_withdraw": True,
                        "may_renew": False,
                    }
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, child_id: int) -> Response:
        rows = services.consent_rows(request.user, self.opened)  # type: ignore[arg-type]
        return Response(ConsentRowSerializer(rows, many=True).data)


class WhoLookedSerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    who = serializers.CharField(help_text="The organisation (your own looks: your name).")
    own = serializers.BooleanField()
    role = serializers.CharField()
    what = serializers.CharField()
    action = serializers.CharField()
    ground = serializers.CharField()
    emergency = serializers.BooleanField()


class WhoLookedView(FamilyAPIView):
    """The access log of this child, readable as on the portal's "wie keek" page: who (organisation and role),
    what, when and on what ground; newest first, paged. This look itself is logged and not listed."""

    declaration = Declaration(get=read(DataCategory.IDENTITY), object_type="access_log", opens=services.opened)

    @extend_schema(
        operation_id="portal_child_who_looked",
        parameters=[PAGE],
        responses=page_of(WhoLookedSerializer),
        examples=[
            OpenApiExample(
                "One look",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "when": "2026-03-09T10:12:00+01:00",
                            "who": "De Regenboog",
                            "own": False,
                            "role": "Intern begeleider",
                            "what": "Ondersteuning",
                            "action": "Inzien",
                            "ground": "Rol op school",
                            "emergency": False,
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, child_id: int) -> Response:
        user, found = request.user, self.opened
        own = self.resolved.logged.seq if self.resolved and self.resolved.logged else None
        entries = [e for e in services.who_looked(found.child, limit=501) if e.seq != own][:500]
        page = Page(request, entries, self)
        roles, grounds = dict(Role.choices), dict(Ground.choices)
        categories, actions = dict(DataCategory.choices), dict(Action.choices)
        rows = [
            {
                "when": e.occurred_at,
                "who": e.organisation_name
                or (e.user_name if e.user_id == user.pk else None)
                or (gettext_lazy("Privacy officer") if e.ground == Ground.REVIEW else gettext_lazy("Family")),
                "own": e.user_id == user.pk,
                "role": roles.get(e.role) or grounds.get(e.role) or e.role or "—",
                "what": categories.get(e.category, e.category),
                "action": actions.get(e.action, e.action),
                "ground": grounds.get(e.ground, e.ground),
                "emergency": bool(e.emergency),
            }
            for e in page.items
        ]
        return page.response(WhoLookedSerializer(rows, many=True).data)
