"""API of nonconformities and corrective action (10.2): ``nonconformities/`` (+ ``{id}/submit/``,
``{id}/verify/``, ``{id}/close/``, ``{id}/reopen/``; PATCH records the response) and
``corrective-actions/`` (+ ``{id}/complete/``). Every step is a service call; the services
decide who may do what (the auditor or the officer runs the loop, the members of its AI
systems respond, nobody verifies their own action)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims.api.base import ListCreateUpdateViewSet, ModelSerializer
from aims.api.fields import AISystemsField, OtherAISystemsField, ScopedPrimaryKeyRelatedField
from aims.models import AISystem, Requirement
from aims.permissions import Policy
from aims.roles import Capability
from audit.choices import VerificationResult
from audit.filters.nonconformities import CorrectiveActionFilter, NonconformityFilter
from audit.models import CorrectiveAction, Finding, Nonconformity
from audit.selectors import nonconformities as selectors
from audit.services import nonconformities as services


def _person_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        **kwargs,
    )


class NonconformitySerializer(ModelSerializer):
    ai_systems = AISystemsField(
        many=True,
        required=False,
        queryset=AISystem.objects.all(),
        help_text="Ids of the AI systems the nonconformity concerns (that you may see).",
    )
    other_ai_systems = OtherAISystemsField(source="ai_systems")
    owner = _person_field(help_text="Id of the person who responds.")
    verification_result = serializers.CharField(
        read_only=True,
        allow_blank=True,
        help_text="effective or not_effective once verified; empty before.",
    )
    requirement = ScopedPrimaryKeyRelatedField(
        queryset=Requirement.objects.all(), required=False, allow_null=True
    )
    finding = ScopedPrimaryKeyRelatedField(
        queryset=Finding.objects.all(),
        required=False,
        allow_null=True,
        help_text="The audit finding it comes from (source audit_finding).",
    )
    why_chain = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Each answer to “why?” in turn.",
    )
    overdue = serializers.BooleanField(read_only=True)
    action_count = serializers.IntegerField(read_only=True)
    open_action_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Nonconformity
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "source",
            "finding",
            "requirement",
            "ai_systems",
            "other_ai_systems",
            "severity",
            "status",
            "owner",
            "raised_on",
            "due_on",
            "overdue",
            "correction",
            "corrected_on",
            "why_chain",
            "root_cause",
            "cause_category",
            "similar_elsewhere",
            "action_count",
            "open_action_count",
            "verified_by",
            "verified_at",
            "verification_result",
            "verification_note",
            "closed_at",
            "reopened_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "reference",
            "status",
            "verified_by",
            "verified_at",
            "verification_result",
            "verification_note",
            "closed_at",
            "reopened_count",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"raised_on": {"required": False}}


CREATE_ONLY = ("source", "finding", "raised_on")


class VerifySerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=VerificationResult.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class NonconformityViewSet(ListCreateUpdateViewSet):
    """Nonconformities. Internal auditors raise them from any source, the governance officer
    from incidents, complaints, monitoring or directly; the owner and the members granted its
    AI systems record the response (PATCH: correction, why chain, root cause, cause category,
    similar elsewhere) and the corrective actions, then ask for verification (``submit``); an
    internal auditor or the officer who owns none of its actions verifies (``verify``), then
    closes (``close``: refused without an effective verification) or reopens (``reopen``)."""

    # Who may write is the services' decision (three roles take part, each in its steps):
    # the rows are those the user sees.
    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.SEE_RECORDS)
    selector = staticmethod(selectors.nonconformity_details)
    model = Nonconformity
    serializer_class = NonconformitySerializer
    filterset_class = NonconformityFilter
    search_fields = ["reference", "title", "description"]
    ordering_fields = ["raised_on", "due_on", "reference", "updated_at"]
    ordering = ["-raised_on", "-id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("why_chain", None)
        response = {k: data.pop(k) for k in list(data) if k in services.RESPONSE_FIELDS}
        nc = services.nonconformity_create(
            actor=self.request.user,
            source=data.pop("source", "direct"),
            title=data.pop("title", ""),
            description=data.pop("description", ""),
            severity=data.pop("severity", ""),
            ai_systems=data.pop("ai_systems", ()),
            **data,
        )
        if any(response.values()):
            services.nonconformity_update(actor=self.request.user, nonconformity=nc, **response)
        serializer.instance = self.base_queryset().get(pk=nc.pk)

    def perform_update(self, serializer: Any) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k not in CREATE_ONLY}
        nc = services.nonconformity_update(
            actor=self.request.user, nonconformity=serializer.instance, **data
        )
        serializer.instance = self.base_queryset().get(pk=nc.pk)

    def _done(self, nc: Nonconformity) -> Response:
        return Response(self.get_serializer(self.base_queryset().get(pk=nc.pk)).data)

    @extend_schema(request=None, responses={200: NonconformitySerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Ask for the verification of the corrective action's effectiveness (needs a root
        cause and actions all done or cancelled)."""
        nc = services.nonconformity_submit(actor=request.user, nonconformity=self.get_object())
        return self._done(nc)

    @extend_schema(request=VerifySerializer, responses={200: NonconformitySerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """Record whether the corrective action was effective (not by an owner of the
        nonconformity or its actions); not effective reopens it."""
        nc = self.get_object()
        data = VerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        nc = services.nonconformity_verify(
            actor=request.user, nonconformity=nc, **data.validated_data
        )
        return self._done(nc)

    @extend_schema(request=None, responses={200: NonconformitySerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the nonconformity (only after an effective verification)."""
        nc = services.nonconformity_close(actor=request.user, nonconformity=self.get_object())
        return self._done(nc)

    @extend_schema(request=ReopenSerializer, responses={200: NonconformitySerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Reopen the nonconformity, with the reason."""
        nc = self.get_object()
        data = ReopenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        nc = services.nonconformity_reopen(
            actor=request.user, nonconformity=nc, reason=data.validated_data["reason"]
        )
        return self._done(nc)


class CorrectiveActionSerializer(ModelSerializer):
    nonconformity = ScopedPrimaryKeyRelatedField(queryset=Nonconformity.objects.all())
    owner = _person_field(help_text="Id of the person who carries the action out.")
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "nonconformity",
            "title",
            "description",
            "owner",
            "due_on",
            "status",
            "completed_on",
            "overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class CorrectiveActionViewSet(ListCreateUpdateViewSet):
    """Corrective actions of nonconformities (filters ``mine``, ``overdue``, ``status``,
    ``nonconformity``). Kept by those who respond to the nonconformity; their owner completes
    them. Not changed while the nonconformity awaits verification or is closed."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.SEE_RECORDS)
    selector = staticmethod(selectors.corrective_actions)
    model = CorrectiveAction
    serializer_class = CorrectiveActionSerializer
    filterset_class = CorrectiveActionFilter
    search_fields = ["title", "description"]
    ordering_fields = ["due_on", "updated_at"]
    ordering = ["due_on", "id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        nc = data.pop("nonconformity")
        action_row = services.corrective_action_create(
            actor=self.request.user, nonconformity=nc, **data
        )
        serializer.instance = self.base_queryset().get(pk=action_row.pk)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        nc = data.pop("nonconformity", None)
        if nc is not None and nc.pk != serializer.instance.nonconformity_id:
            raise serializers.ValidationError(
                {"nonconformity": [_("An action stays with its nonconformity.")]}
            )
        action_row = services.corrective_action_update(
            actor=self.request.user, action=serializer.instance, **data
        )
        serializer.instance = self.base_queryset().get(pk=action_row.pk)

    @extend_schema(request=None, responses={200: CorrectiveActionSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the action done (today)."""
        row = services.corrective_action_complete(actor=request.user, action=self.get_object())
        return Response(self.get_serializer(self.base_queryset().get(pk=row.pk)).data)


ROUTES: list[tuple[str, Any, str]] = [
    ("nonconformities", NonconformityViewSet, "nonconformity"),
    ("corrective-actions", CorrectiveActionViewSet, "corrective-action"),
]
