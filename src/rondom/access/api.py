"""API for the emergency button and its review."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rondom.accounts.permissions import is_verified
from rondom.core.categories import DataCategory
from rondom.core.errors import Refused
from rondom.records import selectors

from . import emergency, services, tasks
from .declared import ChildRecordAPIView, Declaration, create
from .models import EmergencyAccess


class EmergencyRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class EmergencyAccessSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmergencyAccess
        fields = ["id", "child", "membership", "reason", "started_at", "expires_at", "reviewed_at", "review_note"]


class ReviewSerializer(serializers.Serializer):
    review_note = serializers.CharField(max_length=2000)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class EmergencyAccessView(ChildRecordAPIView):
    """The emergency button: read access with a written reason. Logged, flagged and reviewed; limited per hour and
    per day (429), only for children the user's organisation could plausibly serve (403)."""

    # Outside the user's scope by design: no child is resolved by the base (child_kwarg=None); the service checks
    # the role, starts the access and logs the button pressed.
    declaration = Declaration(
        post=create(DataCategory.IDENTITY, service_decides=True), object_type="emergency_access", child_kwarg=None
    )

    @extend_schema(
        request=EmergencyRequestSerializer,
        responses={
            201: EmergencyAccessSerializer,
            403: DetailSerializer,
            429: OpenApiResponse(DetailSerializer, description="The hourly limit or the daily cap is reached."),
        },
    )
    def post(self, request: Request, child_id: int) -> Response:
        user = request.user
        child = selectors.child_for_emergency(child_id)
        membership = emergency.membership_for(user, child)  # type: ignore[arg-type]
        if membership is None:
            raise Refused(_("Your role cannot use the emergency button."))
        serializer = EmergencyRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # EmergencyLimitReached (a LimitReached) answers 429 with its reason (rondom.config.api).
        access = services.start_emergency_access(user, child, membership, serializer.validated_data["reason"])  # type: ignore[arg-type]
        return Response(EmergencyAccessSerializer(access).data, status=status.HTTP_201_CREATED)


class IsEmergencyReviewer(BasePermission):
    """A functioneel beheerder (for the own organisation's uses) or the privacy officer (every use), after two
    factors; which uses each may see is decided by `emergency.reviewer`."""

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        return is_verified(user) and (
            tasks.may(user, "review_emergency_use") or emergency.is_privacy_officer(user)  # type: ignore[arg-type]
        )


class EmergencyReviewListView(APIView):
    """Emergency accesses awaiting review: those of the reviewer's own organisation (the privacy officer: all).
    Shows the child's number only, no names; every use shown is logged."""

    serves_child_data = False
    permission_classes = [IsEmergencyReviewer]

    @extend_schema(responses=EmergencyAccessSerializer(many=True))
    def get(self, request: Request) -> Response:
        pending = services.emergency_reviews(request.user)  # type: ignore[arg-type]
        return Response(EmergencyAccessSerializer(pending, many=True).data)


class EmergencyReviewDetailView(APIView):
    """One emergency access, for its review (logged as a read)."""

    serves_child_data = False
    permission_classes = [IsEmergencyReviewer]

    @extend_schema(responses=EmergencyAccessSerializer)
    def get(self, request: Request, access_id: int) -> Response:
        access = services.emergency_review(request.user, access_id)  # type: ignore[arg-type]
        return Response(EmergencyAccessSerializer(access).data)


class EmergencyReviewView(APIView):
    serves_child_data = False
    permission_classes = [IsEmergencyReviewer]

    @extend_schema(request=ReviewSerializer, responses=EmergencyAccessSerializer)
    def post(self, request: Request, access_id: int) -> Response:
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = emergency.reviewer(request.user).queryset().filter(pk=access_id).first()  # type: ignore[arg-type]
        if access is None:
            return Response(status=status.HTTP_404_NOT_FOUND)
        access = services.review_emergency_access(request.user, access, serializer.validated_data["review_note"])  # type: ignore[arg-type]
        return Response(EmergencyAccessSerializer(access).data)
