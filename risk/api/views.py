"""``risk-matrices/``, ``risks/`` (+ ``{id}/accept/``, ``{id}/request-acceptance/``) and
``risk-actions/``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims.api.base import ListCreateUpdateViewSet
from aims.permissions import Policy
from aims.roles import Capability
from aims.scope import CHANGE, permitted
from risk import selectors
from risk.api.serializers import (
    AcceptanceRequestSerializer,
    AcceptRequestSerializer,
    CriteriaUpdateSerializer,
    RiskMatrixSerializer,
    RiskSerializer,
    TreatmentActionSerializer,
)
from risk.filters import RiskFilter
from risk.models import Risk, RiskMatrix, TreatmentAction
from risk.services.acceptance import risk_accept, risk_acceptance_request
from risk.services.matrices import risk_criteria_update, risk_matrix_create, risk_matrix_update
from risk.services.register import risk_create, risk_update
from risk.services.treatment import treatment_action_create, treatment_action_update


class RiskMatrixViewSet(ListCreateUpdateViewSet):
    """Risk matrices with their scales, levels, level grid and criteria. Changing a matrix
    that risks use makes a new version (the response is the new version). ``is_default``
    (new risks, the register's heat maps) and ``is_impact_default`` (new impact assessments)
    choose the defaults: setting one takes it from the matrix that had it, and changing only
    them makes no new version."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    selector = staticmethod(selectors.risk_matrices)
    model = RiskMatrix
    serializer_class = RiskMatrixSerializer
    filterset_fields = ["code", "is_current", "is_default", "is_impact_default"]
    ordering = ["-is_current", "code", "-version"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = risk_matrix_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("acceptable_levels", None)
        serializer.instance = risk_matrix_update(
            actor=self.request.user, matrix=serializer.instance, **data
        )

    @extend_schema(request=CriteriaUpdateSerializer, responses={200: RiskMatrixSerializer})
    @action(detail=True, methods=["post"])
    def criteria(self, request: Request, pk: str | None = None) -> Response:
        """Change which levels are within the risk criteria, and the appetite statement."""
        matrix = self.get_object()
        data = CriteriaUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        risk_criteria_update(actor=request.user, criteria=matrix.criteria, **data.validated_data)
        matrix.refresh_from_db()
        return Response(RiskMatrixSerializer(matrix).data)


class RiskViewSet(ListCreateUpdateViewSet):
    """The AI risk register. Operational members see and change the risks of the AI systems
    granted to them. Write likelihood and impact as 1-based positions on the matrix scales;
    ``inherent_level`` and ``residual_level`` are derived. Risks are closed, never deleted."""

    policy = Policy(
        read=Capability.SEE_RECORDS,
        write=Capability.CHANGE_RECORDS,
        actions={"accept": Capability.APPROVE},
    )
    selector = staticmethod(selectors.risks_for_api)
    model = Risk
    serializer_class = RiskSerializer
    filterset_class = RiskFilter
    search_fields = ["title", "description"]
    ordering_fields = ["residual_rank", "inherent_rank", "title", "updated_at", "next_review_on"]
    ordering = ["-residual_rank", "-inherent_rank", "id"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = risk_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = risk_update(
            actor=self.request.user, risk=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=AcceptRequestSerializer, responses={200: RiskSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept the residual risk until ``expires_on``: within the criteria by a governance
        officer or top management, above them by top management only; never by its owner."""
        risk = self.get_object()
        data = AcceptRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        risk_accept(actor=request.user, risk=risk, **data.validated_data)
        accepted = self.base_queryset().get(pk=risk.pk)
        return Response(RiskSerializer(accepted, context=self.get_serializer_context()).data)

    @extend_schema(request=AcceptanceRequestSerializer, responses={200: RiskSerializer})
    @action(detail=True, methods=["post"], url_path="request-acceptance")
    def request_acceptance(self, request: Request, pk: str | None = None) -> Response:
        """Ask top management to accept a risk whose residual level is above the risk
        criteria: it enters the inbox of everyone who may accept it. Refused (400) for a risk
        within the criteria, closed, accepted, or already waiting."""
        risk = self.get_object()
        data = AcceptanceRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        risk_acceptance_request(actor=request.user, risk=risk, **data.validated_data)
        fresh = self.base_queryset().get(pk=risk.pk)
        return Response(RiskSerializer(fresh, context=self.get_serializer_context()).data)


class TreatmentActionViewSet(ListCreateUpdateViewSet):
    """Treatment actions of risks, each linkable to Annex A controls (filter ``risk``)."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_RECORDS)
    selector = staticmethod(selectors.treatment_actions)
    model = TreatmentAction
    serializer_class = TreatmentActionSerializer
    filterset_fields = ["risk", "status", "owner"]
    ordering = ["due_on", "id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        risk = data.pop("risk")
        if not permitted(self.request.user, CHANGE, risk):  # seen (the field), not changed
            raise serializers.ValidationError({"risk": [_("You may not change this risk.")]})
        serializer.instance = treatment_action_create(actor=self.request.user, risk=risk, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        risk = data.pop("risk", None)
        if risk is not None and risk.pk != serializer.instance.risk_id:
            raise serializers.ValidationError({"risk": ["An action stays with its risk."]})
        serializer.instance = treatment_action_update(
            actor=self.request.user, action=serializer.instance, **data
        )
