"""API for the emergency button and its review."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rondom.accounts.permissions import IsFunctionalAdmin
from rondom.registry import selectors

from . import services
from .models import EmergencyAccess
from .rules import EMERGENCY_ROLES


class EmergencyRequestSerializer(serializers.Serializer):
    reason = serializers.CharField()


class EmergencyAccessSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmergencyAccess
        fields = ["id", "child", "membership", "reason", "started_at", "expires_at", "reviewed_at", "review_note"]


class ReviewSerializer(serializers.Serializer):
    review_note = serializers.CharField()


class EmergencyAccessView(APIView):
    """The emergency button: read access with a written reason. Logged, flagged and reviewed."""

    serves_child_data = True
    record_category = "identity"

    @extend_schema(request=EmergencyRequestSerializer, responses={201: EmergencyAccessSerializer})
    def post(self, request: Request, child_id: int) -> Response:
        membership = next((m for m in request.user.roles() if m.role in EMERGENCY_ROLES), None)  # type: ignore[union-attr]
        if membership is None:
            return Response({"detail": "Uw rol kan de noodknop niet gebruiken."}, status=status.HTTP_403_FORBIDDEN)
        serializer = EmergencyRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        child = selectors.child_for_emergency(child_id)
        access = services.start_emergency_access(request.user, child, membership, serializer.validated_data["reason"])  # type: ignore[arg-type]
        return Response(EmergencyAccessSerializer(access).data, status=status.HTTP_201_CREATED)


class EmergencyReviewListView(APIView):
    """Emergency accesses awaiting review (functioneel beheer). Shows the child's number only, no names."""

    serves_child_data = False
    permission_classes = [IsFunctionalAdmin]

    @extend_schema(responses=EmergencyAccessSerializer(many=True))
    def get(self, request: Request) -> Response:
        pending = EmergencyAccess.objects.filter(reviewed_at__isnull=True)
        return Response(EmergencyAccessSerializer(pending, many=True).data)


class EmergencyReviewView(APIView):
    serves_child_data = False
    permission_classes = [IsFunctionalAdmin]

    @extend_schema(request=ReviewSerializer, responses=EmergencyAccessSerializer)
    def post(self, request: Request, access_id: int) -> Response:
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = EmergencyAccess.objects.filter(pk=access_id).first()
        if access is None:
            return Response(status=status.HTTP_404_NOT_FOUND)
        access = services.review_emergency_access(request.user, access, serializer.validated_data["review_note"])  # type: ignore[arg-type]
        return Response(EmergencyAccessSerializer(access).data)
