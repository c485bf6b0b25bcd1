"""API for a child's consents: list, give, withdraw."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from rondom.access.declared import ChildRecordAPIView, Declaration, create, read, update
from rondom.accounts.models import Organisation
from rondom.core.categories import DataCategory
from rondom.records import consent as services
from rondom.registry.api import UnknownAwareRelatedField
from rondom.registry.models import Child

from .models import Capacity, Consent, ConsentGiver, Purpose


class GiverSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentGiver
        fields = ["capacity", "guardianship"]


class ConsentSerializer(serializers.ModelSerializer):
    givers = GiverSerializer(many=True)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    categories = serializers.ListField(child=serializers.ChoiceField(choices=DataCategory.choices), allow_empty=False)
    recipient = UnknownAwareRelatedField(
        "organisatie", queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    active = serializers.SerializerMethodField()

    class Meta:
        model = Consent
        fields = [
            "id",
            "purpose",
            "categories",
            "recipient",
            "valid_from",
            "valid_until",
            "givers",
            "recorded_at",
            "withdrawn_at",
            "active",
        ]
        read_only_fields = ["recorded_at", "withdrawn_at"]

    def get_active(self, obj: Consent) -> bool:
        return obj.is_active()


class WithdrawSerializer(serializers.Serializer):
    on_behalf = serializers.ChoiceField(choices=Capacity.choices, required=False)
    guardianship = serializers.IntegerField(required=False)


class ConsentListView(ChildRecordAPIView):
    declaration = Declaration(get=read(DataCategory.SUPPORT), post=create(DataCategory.SUPPORT), object_type="consents")

    @extend_schema(responses=ConsentSerializer(many=True))
    def get(self, request: Request, child_id: int) -> Response:
        consents = Consent.objects.filter(child=self.child).prefetch_related("givers")
        return Response(ConsentSerializer(consents, many=True).data)

    @extend_schema(request=ConsentSerializer, responses={201: ConsentSerializer})
    def post(self, request: Request, child_id: int) -> Response:
        child = self.child
        serializer = ConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        guardianships = {g.pk: g for g in child.guardianships.all()}
        givers = []
        for giver in data["givers"]:
            g = giver.get("guardianship")
            if g is not None and g.pk not in guardianships:
                raise serializers.ValidationError({"givers": [_("This parent does not belong to this child.")]})
            givers.append(services.Giver(giver["capacity"], g))
        consent = services.give_consent(
            request.user,  # type: ignore[arg-type]
            child,
            purpose=data["purpose"],
            categories=data["categories"],
            recipient=data.get("recipient"),
            givers=givers,
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
        )
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


def _consent(request: Any, child: Child, kwargs: Any) -> Consent | None:
    return Consent.objects.filter(pk=kwargs["consent_id"], child=child).first()


class WithdrawView(ChildRecordAPIView):
    # Who may withdraw (a professional who may change support data, or on behalf of a giver) is the service's rule.
    declaration = Declaration(
        post=update(DataCategory.SUPPORT, service_decides=True), object_type="consent", find=_consent
    )

    @extend_schema(request=WithdrawSerializer, responses=ConsentSerializer)
    def post(self, request: Request, child_id: int, consent_id: int) -> Response:
        child, consent = self.child, self.found
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        giver = None
        if "on_behalf" in serializer.validated_data:
            guardianship = child.guardianships.filter(pk=serializer.validated_data.get("guardianship")).first()
            giver = services.Giver(serializer.validated_data["on_behalf"], guardianship)
        consent = services.withdraw_consent(request.user, consent, on_behalf=giver)  # type: ignore[arg-type]
        return Response(ConsentSerializer(consent).data)
