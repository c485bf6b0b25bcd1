"""API for organisations and memberships (functioneel beheer) and the current user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rondom.access import tasks
from rondom.audit.models import AdministrationLogEntry
from rondom.config.pagination import PAGE, Page, page_of
from rondom.registry.api import UnknownAwareRelatedField
from rondom.registry.models import Municipality

from . import services
from .models import Membership, Organisation, User
from .permissions import IsFunctionalAdmin
from .roles import OrganisationKind, Role, SchoolType


class OrganisationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    school_type = serializers.ChoiceField(choices=SchoolType.choices, required=False, allow_blank=True)
    brin = serializers.CharField(required=False, allow_blank=True, max_length=4)
    vestiging = serializers.CharField(required=False, allow_blank=True, max_length=2)
    municipality = UnknownAwareRelatedField(
        "gemeente", queryset=Municipality.objects.all(), required=False, allow_null=True
    )
    part_of = UnknownAwareRelatedField(
        "organisatie", source="parent", queryset=Organisation.objects.all(), required=False, allow_null=True
    )

    serves_municipalities = UnknownAwareRelatedField(
        "gemeente", queryset=Municipality.objects.all(), many=True, required=False
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "brin",
            "vestiging",
            "school_type",
            "municipality",
            "part_of",
            "serves_municipalities",
        ]
        validators: list[object] = []  # uniqueness of BRIN + vestiging is checked by the service, in Dutch


class MembershipSerializer(serializers.ModelSerializer):
    user = UnknownAwareRelatedField("gebruiker", queryset=User.objects.all())
    organisation = UnknownAwareRelatedField("organisatie", queryset=Organisation.objects.all())
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "user", "organisation", "role", "valid_from", "valid_until"]
        validators: list[object] = []


#: An error answer: {"detail": "..."} or {"field": ["reason", ...]}, in Dutch.
ERROR = OpenApiTypes.OBJECT


def _refused(exc: DjangoPermissionDenied) -> PermissionDenied:
    """A service's refusal as a 403 with its Dutch reason."""
    return PermissionDenied(str(exc) or _("You may not do this."))


class OrganisationListView(APIView):
    serves_child_data = False
    permission_classes = [IsFunctionalAdmin]

    @extend_schema(operation_id="organisations_list", parameters=[PAGE], responses=page_of(OrganisationSerializer))
    def get(self, request: Request) -> Response:
        page = Page(request, Organisation.objects.order_by("name", "pk"), self)
        return page.response(OrganisationSerializer(page.items, many=True).data)

    @extend_schema(request=OrganisationSerializer, responses={201: OrganisationSerializer, 400: ERROR, 403: ERROR})
    def post(self, request: Request) -> Response:
        serializer = OrganisationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            organisation = services.create_organisation(request.user, dict(serializer.validated_data))  # type: ignore[arg-type]
        except DjangoPermissionDenied as exc:
            raise _refused(exc) from None
        return Response(OrganisationSerializer(organisation).data, status=status.HTTP_201_CREATED)


class OrganisationLinkSerializer(serializers.Serializer):
    part_of = UnknownAwareRelatedField(
        "organisatie", queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    serves_municipalities = UnknownAwareRelatedField(
        "gemeente", queryset=Municipality.objects.all(), many=True, required=False
    )


class OrganisationLinkView(APIView):
    """Link an organisation: what it is part of and which municipalities it serves (the latter decides whose
    children a GGD, wijkteam or leerplicht office reaches). Task right organisation.link; logged."""

    serves_child_data = False
    permission_classes = [IsFunctionalAdmin]

    @extend_schema(
        request=OrganisationLinkSerializer, responses={200: OrganisationSerializer, 400: ERROR, 403: ERROR, 404: ERROR}
    )
    def post(self, request: Request, organisation_id: int) -> Response:
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            raise NotFound
        serializer = OrganisationLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        try:
            organisation = services.link_organisation(
                request.user,  # type: ignore[arg-type]
                organisation,
                parent=d.get("part_of", organisation.parent),
                serves=d.get("serves_municipalities", list(organisation.serves_municipalities.all())),
            )
        except DjangoPermissionDenied as exc:
            raise _refused(exc) from None
        return Response(OrganisationSerializer(organisation).data)


class MembershipCreateView(APIView):
    """Grant a role (task right role.grant.<role>; access.tasks). Logged in the administration log."""

    serves_child_data = False
    permission_classes = [IsFunctionalAdmin]

    @extend_schema(request=MembershipSerializer, responses={201: MembershipSerializer, 400: ERROR, 403: ERROR})
    def post(self, request: Request) -> Response:
        serializer = MembershipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        try:
            membership = services.grant_role(
                request.user,  # type: ignore[arg-type]
                d["user"],
                d["organisation"],
                d["role"],
                d.get("valid_from"),
                d.get("valid_until"),
            )
        except DjangoPermissionDenied as exc:
            raise _refused(exc) from None
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class EndMembershipSerializer(serializers.Serializer):
    valid_until = serializers.DateField(required=False, allow_null=True)


class MembershipEndView(APIView):
    """End a role: its last day becomes the given date (default today). Task right role.end.<role>; logged."""

    serves_child_data = False
    permission_classes = [IsFunctionalAdmin]

    @extend_schema(
        request=EndMembershipSerializer, responses={200: MembershipSerializer, 400: ERROR, 403: ERROR, 404: ERROR}
    )
    def post(self, request: Request, membership_id: int) -> Response:
        serializer = EndMembershipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = Membership.objects.select_related("organisation").filter(pk=membership_id).first()
        if membership is None:
            raise NotFound
        try:
            membership = services.end_role(
                request.user,  # type: ignore[arg-type]
                membership,
                serializer.validated_data.get("valid_until"),
            )
        except DjangoPermissionDenied as exc:
            raise _refused(exc) from None
        return Response(MembershipSerializer(membership).data)


class AdministrationLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = AdministrationLogEntry
        fields = [
            "id",
            "occurred_at",
            "actor_id",
            "actor_name",
            "actor_standing",
            "action",
            "organisation_id",
            "organisation_name",
            "organisation_kind",
            "municipality_id",
            "subject_user_id",
            "subject_user_name",
            "role",
            "membership_id",
            "detail",
        ]


class AdministrationLogView(APIView):
    """The administration log for the privacy officer (and the platform administrator): every role granted or
    ended, organisation created or linked and gemeente configured, newest first. Task right
    administration_log.read."""

    serves_child_data = False

    @extend_schema(
        operation_id="administration_log_list",
        parameters=[PAGE],
        responses={200: page_of(AdministrationLogSerializer), 403: ERROR},
    )
    def get(self, request: Request) -> Response:
        reason = tasks.refusal(request.user, "administration_log.read")  # type: ignore[arg-type]
        if reason is not None:
            raise PermissionDenied(reason)
        page = Page(request, AdministrationLogEntry.objects.order_by("-seq"), self)
        return page.response(AdministrationLogSerializer(page.items, many=True).data)


class MeView(APIView):
    serves_child_data = False

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        return Response(
            {
                "username": user.username,
                "professional": user.is_professional,
                "roles": [{"organisation": m.organisation.name, "role": m.role} for m in user.active_memberships()],
            }
        )
