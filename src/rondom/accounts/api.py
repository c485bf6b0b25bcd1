"""API for organisations and memberships (functioneel beheer) and the current user."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "brin", "vestiging", "school_type", "municipality", "part_of"]
        validators: list[object] = []  # uniqueness of BRIN + vestiging is checked by the service, in Dutch


class MembershipSerializer(serializers.ModelSerializer):
    user = UnknownAwareRelatedField("gebruiker", queryset=User.objects.all())
    organisation = UnknownAwareRelatedField("organisatie", queryset=Organisation.objects.all())
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "user", "organisation", "role", "valid_from", "valid_until"]
        validators: list[object] = []


class OrganisationListView(APIView):
    serves_child_data = False
    permission_classes = [IsFunctionalAdmin]

    @extend_schema(responses=OrganisationSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(OrganisationSerializer(Organisation.objects.all(), many=True).data)

    @extend_schema(request=OrganisationSerializer, responses={201: OrganisationSerializer})
    def post(self, request: Request) -> Response:
        serializer = OrganisationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.create_organisation(dict(serializer.validated_data))
        return Response(OrganisationSerializer(organisation).data, status=status.HTTP_201_CREATED)


class MembershipCreateView(APIView):
    serves_child_data = False
    permission_classes = [IsFunctionalAdmin]

    @extend_schema(request=MembershipSerializer, responses={201: MembershipSerializer})
    def post(self, request: Request) -> Response:
        serializer = MembershipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        actor: User = request.user  # type: ignore[assignment]
        organisation: Organisation = d["organisation"]
        if d["user"] == actor and not actor.is_superuser:
            raise PermissionDenied("U kunt uzelf geen rol geven: vraag een andere beheerder.")
        managed = {m.organisation_id for m in actor.roles() if m.role == Role.FUNCTIONAL_ADMIN}
        if not actor.is_superuser and not managed & {organisation.pk, organisation.parent_id}:
            raise PermissionDenied("U beheert deze organisatie niet.")
        membership = services.add_membership(
            d["user"], d["organisation"], d["role"], d.get("valid_from"), d.get("valid_until")
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


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
