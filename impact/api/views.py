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

from aims.api.base import ListCreateUpdateViewSet, PolicyViewSetMixin
from aims.permissions import SAFE_METHODS, Policy
from aims.roles import Capability
from impact import selectors, services
from impact.api.serializers import (
    AssessmentReturnSerializer,
    ImpactAssessmentSerializer,
    ImpactEntrySerializer,
)
from impact.filters import ImpactAssessmentFilter
from impact.models import ImpactAssessment, ImpactEntry
from risk.api.serializers import RiskSerializer


class ImpactAssessmentViewSet(ListCreateUpdateViewSet):
    """AI system impact assessments (6.1.4). Operational members assess the AI systems granted
    to them. An approved assessment is frozen: a change starts a new version
    (``new-version/``). Approval is by someone with approval rights who is not the author."""

    policy = Policy(
        read=Capability.SEE_RECORDS,
        write=Capability.CHANGE_RECORDS,
        actions={"approve": Capability.APPROVE, "return_": Capability.APPROVE},
    )
    selector = staticmethod(selectors.impact_assessment_list)
    model = ImpactAssessment
    serializer_class = ImpactAssessmentSerializer
    filterset_class = ImpactAssessmentFilter
    ordering_fields = ["assessed_on", "level_rank", "updated_at", "next_review_on"]
    ordering = ["-assessed_on", "-id"]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return ImpactAssessment.objects.none()
        writing = self.request.method not in SAFE_METHODS
        if writing and self.action not in ("approve", "return_"):
            queryset = selectors.impact_assessment_editable(user=self.request.user)
        else:
            queryset = super().get_queryset()
        return selectors.impact_assessments_with_entries(queryset)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.impact_assessment_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.impact_assessment_update(
            actor=self.request.user, assessment=serializer.instance, **serializer.validated_data
        )

    def _fresh(self, assessment: ImpactAssessment, code: int = 200) -> Response:
        fresh = selectors.impact_assessments_with_entries(
            ImpactAssessment.objects.filter(pk=assessment.pk)
        ).get()
        return Response(ImpactAssessmentSerializer(fresh).data, status=code)

    @extend_schema(request=None, responses={200: ImpactAssessmentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        assessment = services.impact_assessment_submit(
            actor=request.user, assessment=self.get_object()
        )
        return self._fresh(assessment)

    @extend_schema(request=None, responses={200: ImpactAssessmentSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        assessment = services.impact_assessment_approve(
            actor=request.user, assessment=self.get_object()
        )
        return self._fresh(assessment)

    @extend_schema(request=AssessmentReturnSerializer, responses={200: ImpactAssessmentSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        data = AssessmentReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.impact_assessment_return(
            actor=request.user, assessment=self.get_object(), **data.validated_data
        )
        return self._fresh(assessment)

    @extend_schema(request=None, responses={201: ImpactAssessmentSerializer})
    @action(detail=True, methods=["post"], url_path="new-version", url_name="new-version")
    def new_version(self, request: Request, pk: str | None = None) -> Response:
        """Start the next version (a draft carrying the content forward)."""
        assessment = services.impact_assessment_new_version(
            actor=request.user, assessment=self.get_object()
        )
        return self._fresh(assessment, status.HTTP_201_CREATED)

    @extend_schema(request=ImpactEntrySerializer, responses={201: ImpactEntrySerializer})
    @action(detail=True, methods=["post"])
    def entries(self, request: Request, pk: str | None = None) -> Response:
        """Add a consequence (entry) to a draft assessment."""
        assessment = self.get_object()
        data = ImpactEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.impact_entry_create(
            actor=request.user, assessment=assessment, **data.validated_data
        )
        return Response(ImpactEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


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
    selector = staticmethod(selectors.impact_entry_list)
    model = ImpactEntry
    serializer_class = ImpactEntrySerializer
    filterset_fields = ["assessment"]
    ordering = ["assessment", "-level_rank", "id"]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return ImpactEntry.objects.none()
        if self.request.method not in SAFE_METHODS:
            queryset = selectors.impact_entry_editable(user=self.request.user)
        else:
            queryset = super().get_queryset()
        return queryset.prefetch_related("risks")

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
        from risk.selectors import risk_list

        fresh = (
            risk_list(user=request.user)
            .prefetch_related(
                "risk_sources", "categories", "principles", "aisi_perspectives", "acceptances"
            )
            .get(pk=risk.pk)
        )
        return Response(RiskSerializer(fresh).data, status=status.HTTP_201_CREATED)
