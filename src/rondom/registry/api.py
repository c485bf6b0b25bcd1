"""API for children and their notes. Every endpoint goes through the policy and writes access-log rows."""

from __future__ import annotations

from typing import Any, NoReturn

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from rondom.access import policy
from rondom.access.declared import PER_OBJECT, ChildRecordAPIView, Declaration, create, read, search, update
from rondom.accounts.models import Organisation
from rondom.config.pagination import PAGE, Page, page_of
from rondom.core.categories import DataCategory
from rondom.limits import FREE_TEXT_MAX, NAME_MAX
from rondom.records import selectors, services
from rondom.versioning import etag, requested_version

from .models import Child, ChildNote, Municipality, Wijk


class UnknownAwareRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to another record; an unknown number answers 400 naming what kind of record was not found
    (``name``: one of ``OBJECT_NAMES``' keys, the Dutch word)."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("Unknown: there is no {name} with number {pk_value}."),
        "incorrect_type": gettext_lazy("Expected a number, got {data_type}."),
    }
    #: What kind of record a field refers to, as shown in its messages (through gettext like every text).
    OBJECT_NAMES = {
        "casus": gettext_lazy("case"),
        "gebruiker": gettext_lazy("user"),
        "gemeente": gettext_lazy("municipality"),
        "organisatie": gettext_lazy("organisation"),
        "rol": gettext_lazy("role"),
        "signaal": gettext_lazy("signal"),
        "toestemming": gettext_lazy("consent"),
        "wijk": gettext_lazy("wijk"),
    }

    def __init__(self, name: str, **kwargs: Any) -> None:
        self.object_name = name
        super().__init__(**kwargs)

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        kwargs.setdefault("name", str(self.OBJECT_NAMES.get(self.object_name, self.object_name)))
        super().fail(key, **kwargs)


class ChildSerializer(serializers.ModelSerializer):
    # A child can be without a school (an absolute thuiszitter): null in answers; a registration names one.
    school = UnknownAwareRelatedField("organisatie", queryset=Organisation.objects.all(), allow_null=True)
    home_municipality = UnknownAwareRelatedField("gemeente", queryset=Municipality.objects.all())
    wijk = UnknownAwareRelatedField("wijk", queryset=Wijk.objects.all(), required=False, allow_null=True)
    given_name = serializers.CharField(max_length=NAME_MAX)
    family_name = serializers.CharField(max_length=NAME_MAX)
    bsn = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    masked_bsn = serializers.CharField(read_only=True)
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The version you read (also the ETag). A change must name it, here or in If-Match; "
        "if someone saved in between the answer is 409 Conflict and nothing is written.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and attrs.get("school") is None:
            raise serializers.ValidationError({"school": _("Choose the school where the child is enrolled.")})
        return attrs

    class Meta:
        model = Child
        fields = [
            "id",
            "given_name",
            "family_name",
            "date_of_birth",
            "school",
            "group",
            "home_municipality",
            "wijk",
            "bsn",
            "masked_bsn",
            "youth_care_ended_on",
            "left_school_on",
            "version",
        ]
        read_only_fields = ["id", "masked_bsn"]


class ChildPatchSerializer(ChildSerializer):
    """The schema of a change: every field optional except the version you read (or send it in If-Match)."""

    version = serializers.IntegerField(min_value=0, help_text=ChildSerializer().fields["version"].help_text)


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag you read (e.g. "3"), instead of the field version; when both are sent they must '
    "name the same version (else 400).",
)
CONFLICT = OpenApiResponse(
    description="Someone else changed the record since you read it; nothing was written. Names the current "
    "version and the fields that differ now."
)


class NoteSerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(choices=DataCategory.choices)
    text = serializers.CharField(max_length=FREE_TEXT_MAX)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = ChildNote
        fields = ["id", "category", "text", "author_organisation", "created_at", "updated_at", "version"]
        read_only_fields = ["author_organisation", "created_at", "updated_at"]


class NoteUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=FREE_TEXT_MAX)
    version = serializers.IntegerField(help_text="The version you read; a stale version answers 409 Conflict.")


class ChildListView(ChildRecordAPIView):
    # Registering a child: the service decides on the school chosen, and logs it.
    declaration = Declaration(
        get=search(DataCategory.IDENTITY), post=create(DataCategory.IDENTITY, service_decides=True), child_kwarg=None
    )

    @extend_schema(operation_id="children_list", parameters=[PAGE], responses=page_of(ChildSerializer))
    def get(self, request: Request) -> Response:
        page = Page(request, selectors.search_children(request.user), self)  # type: ignore[arg-type]
        self.log_shown(page.items)
        return page.response(ChildSerializer(page.items, many=True).data)

    @extend_schema(request=ChildSerializer, responses={201: ChildSerializer})
    def post(self, request: Request) -> Response:
        serializer = ChildSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        child = services.register_child(request.user, data.pop("school"), data)  # type: ignore[arg-type]
        return Response(ChildSerializer(child).data, status=status.HTTP_201_CREATED)


class ChildDetailView(ChildRecordAPIView):
    declaration = Declaration(get=read(DataCategory.IDENTITY), patch=update(DataCategory.IDENTITY))

    @extend_schema(responses=ChildSerializer)
    def get(self, request: Request, child_id: int) -> Response:
        return Response(ChildSerializer(self.child).data, headers={"ETag": etag(self.child.version)})

    @extend_schema(request=ChildPatchSerializer, parameters=[IF_MATCH], responses={200: ChildSerializer, 409: CONFLICT})
    def patch(self, request: Request, child_id: int) -> Response:
        child = self.child
        serializer = ChildSerializer(child, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        body_version = data.pop("version", None)
        version = requested_version(request.headers.get("If-Match"), body_version)
        child = services.update_child(request.user, child, data, version=version)  # type: ignore[arg-type]
        return Response(ChildSerializer(child).data, headers={"ETag": etag(child.version)})


class NoteListView(ChildRecordAPIView):
    # Reading: basic details, and one row per note category shown. Writing: the category is chosen in the body;
    # the service decides on it (403) and logs.
    declaration = Declaration(get=read(DataCategory.IDENTITY), post=create(PER_OBJECT, service_decides=True))

    @extend_schema(responses=NoteSerializer(many=True))
    def get(self, request: Request, child_id: int) -> Response:
        child = self.child
        readable = [c for c in policy.readable_categories(request.user, child) if c != DataCategory.IDENTITY]  # type: ignore[arg-type]
        notes = list(child.notes.filter(category__in=readable))
        self.log_parts((category, "notes", category) for category in sorted({n.category for n in notes}))
        return Response(NoteSerializer(notes, many=True).data)

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer})
    def post(self, request: Request, child_id: int) -> Response:
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = serializer.validated_data["category"]
        note = services.add_note(request.user, self.child, category, serializer.validated_data["text"])  # type: ignore[arg-type]
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


def _note(request: Any, child: Child, kwargs: Any) -> ChildNote | None:
    return ChildNote.objects.select_related("child").filter(pk=kwargs["note_id"], child=child).first()


class NoteDetailView(ChildRecordAPIView):
    # Each note is decided on its own category.
    declaration = Declaration(
        get=read(PER_OBJECT),
        patch=update(PER_OBJECT),
        object_type="note",
        find=_note,
        category_of=lambda note: note.category,
    )

    @extend_schema(responses=NoteSerializer)
    def get(self, request: Request, child_id: int, note_id: int) -> Response:
        note = self.found
        return Response(NoteSerializer(note).data, headers={"ETag": etag(note.version)})

    @extend_schema(request=NoteUpdateSerializer, parameters=[IF_MATCH], responses={200: NoteSerializer, 409: CONFLICT})
    def patch(self, request: Request, child_id: int, note_id: int) -> Response:
        note = self.found
        serializer = NoteUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = requested_version(request.headers.get("If-Match"), serializer.validated_data["version"])
        note = services.update_note(request.user, note, serializer.validated_data["text"], version=version)  # type: ignore[arg-type]
        return Response(NoteSerializer(note).data, headers={"ETag": etag(note.version)})
