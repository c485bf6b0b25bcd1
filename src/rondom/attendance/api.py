"""API for absence signals and a child's absence (issue 15, part 6): the same lists, checks and access-log rows as
the pages (attendance.views), through the same services. Posting absence is the roster/OAuth slice's endpoint.

Every view names the OAuth2 scopes a machine client needs (``required_scopes``, django-oauth-toolkit's
``TokenHasScope`` convention): ``signals:read`` to read, ``signals:write`` to mark a signal handled.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from rondom.access.declared import ChildRecordAPIView, Declaration, read, search, update
from rondom.config.filters import filters, id_filter
from rondom.config.pagination import PAGE, Page, page_of
from rondom.core.categories import Action, DataCategory
from rondom.limits import FREE_TEXT_MAX
from rondom.registry.models import Child

from . import services
from .models import AbsenceRecord, ThresholdSignal

ABSENCE = DataCategory.ABSENCE


class AbsenceSignalSerializer(serializers.ModelSerializer):
    child_name = serializers.SerializerMethodField(help_text="The child's name, as on the signals page.")
    protocol_name = serializers.CharField(source="protocol.name", read_only=True, help_text="The kind of signal.")
    overdue = serializers.SerializerMethodField(help_text="Open and past its due date (handelen vóór).")

    class Meta:
        model = ThresholdSignal
        fields = [
            "id",
            "child",
            "child_name",
            "protocol",
            "protocol_name",
            "role",
            "period_start",
            "crossed_on",
            "value",
            "due_on",
            "overdue",
            "handled_at",
            "handled_note",
        ]
        read_only_fields = fields

    def get_child_name(self, signal: ThresholdSignal) -> str:
        return str(signal.child)

    def get_overdue(self, signal: ThresholdSignal) -> bool:
        today = self.context.get("today") or timezone.localdate()
        return signal.handled_at is None and signal.due_on < today


SIGNAL_EXAMPLE = OpenApiExample(
    "An open absence signal",
    value={
        "id": 12,
        "child": 4,
        "child_name": "Daan Bakker",
        "protocol": 1,
        "protocol_name": "16 uur ongeoorloofd verzuim in 4 weken",
        "role": "leerplichtambtenaar",
        "period_start": "2026-02-10",
        "crossed_on": "2026-03-09",
        "value": "16.0",
        "due_on": "2026-03-16",
        "overdue": False,
        "handled_at": None,
        "handled_note": "",
    },
    response_only=True,
)


class SignalFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=list(services.SIGNAL_STATUSES),
        required=False,
        help_text="open (default; by due date, overdue first), overdue, handled or all.",
    )
    kind = id_filter("Only this protocol (its id).")
    school = id_filter("Only this school (its id).")


class AbsenceSignalListView(ChildRecordAPIView):
    """The absence signals addressed to one of the user's roles, for children whose absence the user may read
    (``services.signals_for``, decided at once by ``policy.decide_many``); one access-log row per child on the page."""

    required_scopes = ["signals:read"]
    declaration = Declaration(get=search(ABSENCE), child_kwarg=None)

    @extend_schema(
        operation_id="absence_signals_list",
        parameters=[SignalFilterSerializer, PAGE],
        responses=page_of(AbsenceSignalSerializer),
        examples=[SIGNAL_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        query = filters(request, SignalFilterSerializer)
        found = services.signals_for(
            request.user,  # type: ignore[arg-type]
            today=today,
            status=query.get("status", "open"),
            school=query.get("school"),
            protocol=query.get("kind"),
        )
        page = Page(request, found.signals, self)
        shown = list({s.child_id: s.child for s in page.items}.values())
        self.log_shown(shown, decisions=[found.decisions[c.pk] for c in shown])
        return page.response(AbsenceSignalSerializer(page.items, many=True, context={"today": today}).data)


def _signal(request: Any, child: Child, kwargs: Any) -> ThresholdSignal | None:
    return (
        ThresholdSignal.objects.filter(child=child, pk=kwargs["signal_id"]).select_related("protocol", "child").first()
    )


class AbsenceSignalView(ChildRecordAPIView):
    """One absence signal of a child (a read of the child's absence, logged as on the signal page)."""

    required_scopes = ["signals:read"]
    declaration = Declaration(get=read(ABSENCE), object_type="absence_signal", find=_signal)

    @extend_schema(responses=AbsenceSignalSerializer, examples=[SIGNAL_EXAMPLE])
    def get(self, request: Request, child_id: int, signal_id: int) -> Response:
        return Response(AbsenceSignalSerializer(self.found).data)


class HandleSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=FREE_TEXT_MAX, help_text="What was done (e.g. reported to DUO, parents invited)."
    )


class AbsenceSignalHandleView(ChildRecordAPIView):
    """Mark a signal handled, as on the signal page: only the role it is addressed to, with a note
    (``services.handle_signal``: 403 for another role, 400 when already handled or the note is empty; it logs)."""

    required_scopes = ["signals:write"]
    declaration = Declaration(
        post=update(ABSENCE, service_decides=True, also=Action.READ), object_type="absence_signal", find=_signal
    )

    @extend_schema(
        request=HandleSerializer,
        responses=AbsenceSignalSerializer,
        examples=[
            OpenApiExample("Handled", value={"note": "Ouders uitgenodigd voor een gesprek."}, request_only=True),
            SIGNAL_EXAMPLE,
        ],
    )
    def post(self, request: Request, child_id: int, signal_id: int) -> Response:
        serializer = HandleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signal = services.handle_signal(request.user, self.found, serializer.validated_data["note"])  # type: ignore[arg-type]
        return Response(AbsenceSignalSerializer(signal).data)


class AbsenceHoursSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="The kind of absence, as the page names it (Dutch).")
    hours = serializers.DecimalField(max_digits=8, decimal_places=2)


class AbsenceRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = AbsenceRecord
        fields = ["date", "lesson_hour", "kind", "minutes"]
        read_only_fields = fields


class ChildAbsenceSerializer(serializers.Serializer):
    summary = AbsenceHoursSerializer(many=True, help_text="Hours per kind over the last 12 weeks.")
    records = AbsenceRecordSerializer(many=True, help_text="The last 60 records, newest first.")
    signals = AbsenceSignalSerializer(many=True)


class ChildAbsenceView(ChildRecordAPIView):
    """A child's absence, as on the child's absence page: hours per kind, the last records and the signals."""

    required_scopes = ["signals:read"]
    declaration = Declaration(get=read(ABSENCE), object_type="absence")

    @extend_schema(
        responses=ChildAbsenceSerializer,
        examples=[
            OpenApiExample(
                "A child's absence",
                value={
                    "summary": [{"kind": "ongeoorloofd", "hours": "16.00"}],
                    "records": [{"date": "2026-03-09", "lesson_hour": 2, "kind": "unauthorised", "minutes": 60}],
                    "signals": [],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, child_id: int) -> Response:
        child = self.child
        today = timezone.localdate()
        data = {
            "summary": [{"kind": k, "hours": h} for k, h in services.absence_summary(child, today)],
            "records": AbsenceRecord.objects.filter(child=child).order_by("-date", "lesson_hour")[:60],
            "signals": child.absence_signals.select_related("protocol").order_by("-crossed_on"),
        }
        return Response(ChildAbsenceSerializer(data, context={"today": today}).data)
