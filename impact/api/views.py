"""``impact-assessments/`` (+ ``submit/``, ``approve/``, ``return/``, ``new-version/``,
``entries/``) and ``impact-entries/`` (+ ``create-risk/``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims.api.approval import approval_actions, approval_policy
from aims.api.base import ListCreateUpdateViewSet, PolicyViewSetMixin
from aims.permissions import Policy
from aims.roles import Capability
from impact import selectors, services
from impact.api.serializers import (
    ImpactAssessmentSerializer,
    ImpactEntrySerializer,
)
from impact.filters import ImpactAssessmentFilter
from impact.models import ImpactAssessment, ImpactEntry
from risk.api.serializers import RiskSerializer
from risk.selectors import risks_for_api


class ImpactAssessmentViewSet(
    approval_actions(ImpactAssessmentSerializer, new_version=True), ListCreateUpdateViewSet
):
    """AI system impact assessments (6.1.4). Operational members assess the AI systems granted
    to them. An approved assessment is frozen: a change starts a new version
    (``new-version/``). Approval is by someone with approval rights who is not the author."""

    policy = approval_policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = ImpactAssessment
    serializer_class = ImpactAssessmentSerializer
    filterset_class = ImpactAssessmentFilter
    ordering_fields = ["assessed_on", "level_rank", "updated_at", "next_review_on"]
    ordering = ["-assessed_on", "-id"]

    def base_queryset(self) -> QuerySet[Any]:
        return selectors.impact_assessments_with_entries(selectors.impact_assessments())

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.impact_assessment_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        assessment = services.impact_assessment_update(
            actor=self.request.user, assessment=serializer.instance, **serializer.validated_data
        )
        # Read again as a GET reads it (``previous`` is an annotation of the read).
        serializer.instance = self.base_queryset().get(pk=assessment.pk)

    @extend_schema(request=ImpactEntrySerializer, responses={201: ImpactEntrySerializer})
    @action(detail=True, methods=["post"])
    def entries(self, request: Request, pk: str | None = None) -> Response:
        """Add a consequence (entry) to a draft assessment."""
        assessment = self.get_object()
        context = self.get_serializer_context()
        data = ImpactEntrySerializer(data=request.data, context=context)
        data.is_valid(raise_exception=True)
        entry = services.impact_entry_create(
            actor=request.user, assessment=assessment, **data.validated_data
        )
        return Response(
            ImpactEntrySerializer(entry, context=context).data, status=status.HTTP_201_CREATED
        )


class ImpactEntryViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Entries of impact assessments (filter ``assessment``); created through
    ``impact-assessments/{id}/entries/``, changed while the assessment is a draft."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = ImpactEntry
    serializer_class = ImpactEntrySerializer
    filterset_fields = ["assessment"]
    ordering = ["-assessment_id", "-level_rank", "id"]

    def base_queryset(self) -> QuerySet[Any]:
        return selectors.impact_entries().prefetch_related("risks")

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.impact_entry_update(
            actor=self.request.user, entry=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: ImpactEntry) -> None:
        services.impact_entry_delete(actor=self.request.user, entry=instance)

    @extend_schema(request=None, responses={201: RiskSerializer})
    @action(detail=True, methods=["post"], url_path="create-risk", url_name="create-risk")
    def create_risk(self, request: Request, pk: str | None = None) -> Response:
        """Reflect this consequence into the risk register: a risk of the AI system prefilled
        from it, linked to it."""
        risk = services.impact_entry_create_risk(actor=request.user, entry=self.get_object())
        fresh = risks_for_api().get(pk=risk.pk)
        return Response(
            RiskSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
