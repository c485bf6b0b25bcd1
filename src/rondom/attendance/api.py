"""Absence posted by a school system (issue 15: "absence can be posted by a school system instead of a file
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
from rondom.access.declared import ChildRecordAPIView, Declaration, create
from rondom.accounts.models import Organisation, User
from rondom.config.scopes import ABSENCE_WRITE
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Conflict, NotInScope, Refused
from rondom.core.roles import OrganisationKind

from . import importer
from .models import AbsenceImport, ImportStatus
from .tasks import after_api_import_task


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
