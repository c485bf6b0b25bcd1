"""API for absence signals and a child's absence (issue 15, part 6): the same lists, checks and access-log rows as
the pages (attendance.views), through the same services; and absence posted by a school system (below).

Every view names the OAuth2 scopes a machine client needs (``required_scopes``, django-oauth-toolkit's
``TokenHasScope`` convention): ``signals:read`` to read, ``signals:write`` to mark a signal handled.

Absence posted by a school system (issue 15: "absence can be posted by a school system instead of a file
upload"): POST /api/absence/.

A machine client (OAuth2 client credentials, scope ``absence:write``, rondom.apiclients) or a functioneel beheerder
in a browser session posts absence records for ONE school, named by its BRIN and vestiging. The records go through
the same checks, Dutch reasons, all-or-nothing rule, upsert and access-log rows as an uploaded file
(`importer.import_records`), and the protocols then run as after a file (`tasks.after_import`).

Answers: 201 with the counts (what was stored); 200 when the same ``key`` with the same records was posted before
(nothing is written again); 400 with a Dutch reason per record (nothing is written); 403 without the scope, or in
scope without the right to import absence; 404 for a school outside the caller's organisation (neutral, as every
out-of-scope object); 409 for a ``key`` used before with other records.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from rondom.access import policy
from rondom.access.declared import ChildRecordAPIView, Declaration, create, read, search, update
from rondom.accounts.models import Organisation, User
from rondom.config.filters import filters, id_filter
from rondom.config.pagination import PAGE, Page, page_of
from rondom.config.scopes import ABSENCE_WRITE
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Conflict, NotInScope, Refused
from rondom.core.roles import OrganisationKind
from rondom.limits import FREE_TEXT_MAX
from rondom.registry.models import Child

from . import importer, services
from .models import AbsenceImport, AbsenceRecord, ImportStatus, ThresholdSignal
from .tasks import after_api_import_task

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
        decisions = found.decisions(shown)
        self.log_shown(shown, decisions=[decisions[c.pk] for c in shown])
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


class AbsenceRowSerializer(serializers.Serializer):
    bsn = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="The pupil's BSN.")
    pupil_key = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="The school system's key of the pupil."
    )
    date = serializers.CharField(max_length=20, help_text="YYYY-MM-DD, not in the future.")
    kind = serializers.CharField(max_length=20, help_text="unauthorised, authorised, sick, late or exemption.")
    hours = serializers.DecimalField(
        required=False, allow_null=True, max_digits=6, decimal_places=2, help_text="More than 0, at most 24."
    )
    lesson_hour = serializers.IntegerField(
        required=False, allow_null=True, help_text="1-15; empty or absent: the whole day."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("bsn")) == bool(attrs.get("pupil_key")):
            raise serializers.ValidationError(_("Give either the BSN or the pupil key of the school system."))
        return attrs


class AbsencePostSerializer(serializers.Serializer):
    school = serializers.RegexField(
        r"^[0-9]{2}[A-Z]{2}[0-9]{2}$", help_text="BRIN and vestiging, e.g. 12AB00.", max_length=6
    )
    key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Your own key for this batch: posting the same key and records again changes nothing.",
    )
    records = AbsenceRowSerializer(many=True, allow_empty=False, max_length=settings.API_ABSENCE_MAX_RECORDS)  # type: ignore[call-arg]


class AbsenceResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    school = serializers.CharField()
    key = serializers.CharField()
    rows = serializers.IntegerField()
    inserted = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    pupils = serializers.IntegerField()


def _result(record: AbsenceImport, school: Organisation) -> dict[str, Any]:
    return {
        "id": record.pk,
        "school": school.brin6,
        "key": record.client_key,
        "rows": record.rows,
        "inserted": record.inserted,
        "updated": record.updated,
        "unchanged": record.unchanged,
        "pupils": record.pupils,
    }


def _school(user: User, code: str) -> Organisation:
    """The school of BRIN+vestiging `code` on which `user` may import absence; NotInScope (404) when there is no
    such school or the user holds no role there, Refused (403) when the role may not import absence."""
    school = Organisation.objects.filter(kind=OrganisationKind.SCHOOL, brin=code[:4], vestiging=code[4:]).first()
    if school is None:
        raise NotInScope
    decision = policy.organisation_decision(user, school.pk, Action.CREATE, DataCategory.ABSENCE)
    if not decision.in_scope:
        raise NotInScope
    if not decision.allowed:
        raise Refused(_("Your role may not import absence for this school."))
    return school


class AbsencePostView(ChildRecordAPIView):
    """Post absence records of one school (a school system instead of a file upload)."""

    # Many pupils of one school, none in the URL: the import decides on the school role and logs one row per
    # pupil written (importer.import_records), as a file import does.
    declaration = Declaration(
        post=create(DataCategory.ABSENCE, service_decides=True), object_type="absence_import", child_kwarg=None
    )
    required_scopes = [ABSENCE_WRITE]

    @extend_schema(
        request=AbsencePostSerializer,
        responses={
            201: AbsenceResultSerializer,
            200: OpenApiResponse(AbsenceResultSerializer, description="The same key and records were posted before."),
            # 400 (the schema's Error): a field of the body, or per record {"record", "field", "reason"} under
            # "records" with a "detail"; nothing was stored.
            404: OpenApiResponse(description="No such school, or a school outside your organisation."),
        },
        examples=[
            OpenApiExample(
                "Two records",
                request_only=True,
                value={
                    "school": "12AB00",
                    "key": "parnassys-2026-11-27",
                    "records": [
                        {"pupil_key": "4711", "date": "2026-11-27", "kind": "unauthorised", "hours": 3},
                        {"bsn": "123456782", "date": "2026-11-27", "kind": "sick", "lesson_hour": 2},
                    ],
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        serializer = AbsencePostSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        school = _school(user, data["school"])
        records = [dict(r) for r in data["records"]]
        key = (data.get("key") or request.headers.get("Idempotency-Key", "")).strip()[:100]
        digest = hashlib.sha256(
            json.dumps([{k: str(v) for k, v in r.items()} for r in records], sort_keys=True).encode()
        ).hexdigest()
        today = timezone.localdate()
        with transaction.atomic():
            if key:
                earlier = AbsenceImport.objects.filter(school=school, client_key=key, status=ImportStatus.DONE).first()
                if earlier is not None:
                    if earlier.sha256 != digest:
                        raise Conflict(message=_("This key was used before for other records. Use a new key."))
                    return Response(_result(earlier, school), status=status.HTTP_200_OK)
            record = AbsenceImport.objects.create(
                school=school,
                mapping=None,
                file_name="API",
                sha256=digest,
                client_key=key,
                status=ImportStatus.RUNNING,
                uploaded_by=user,
            )
            report = importer.import_records(records, school_id=school.pk, user=user, record=record, today=today)
            if not report.ok:
                transaction.set_rollback(True)
                body = {
                    "detail": _("Nothing was stored: %(count)d records are not right.") % {"count": report.error_count},
                    "records": [
                        {"record": e["row"], "field": e["column"], "reason": e["reason"]} for e in report.errors
                    ],
                }
                return Response(body, status=status.HTTP_400_BAD_REQUEST)
            importer.save_outcome(record, report)
            if report.inserted + report.updated:
                transaction.on_commit(lambda: after_api_import_task.enqueue(school.pk))
        return Response(_result(record, school), status=status.HTTP_201_CREATED)
