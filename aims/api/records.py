"""API of simple organisation-level records: organisation and scope (4.3), context issues
(4.1), interested parties (4.2), business units."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims.api.base import ListCreateUpdateViewSet, ModelSerializer
from aims.api.fields import AISystemsField, OtherAISystemsField, OwnerField
from aims.api.serializers import username_of
from aims.models import (
    AISystem,
    BusinessUnit,
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveResult,
    Organization,
)
from aims.permissions import Policy
from aims.roles import Capability
from aims.services.records import (
    objective_result_record,
    record_create,
    record_delete,
    record_update,
)

TIMESTAMPS = ["created_at", "updated_at"]


class RecordViewSet(ListCreateUpdateViewSet, mixins.DestroyModelMixin):
    """Read by everyone who sees organisation records; written by governance officers."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_ALL_RECORDS)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = record_create(
            actor=self.request.user, model=self.model, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = record_update(
            actor=self.request.user, obj=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Any) -> None:
        record_delete(actor=self.request.user, obj=instance)


def _serializer(model_class: type, field_names: list[str]) -> type[ModelSerializer]:
    meta = type(
        "Meta",
        (),
        {
            "model": model_class,
            "fields": ["id", *field_names, *TIMESTAMPS],
            "read_only_fields": TIMESTAMPS,
        },
    )
    attrs: dict[str, Any] = {"Meta": meta}
    if "owner" in field_names:
        attrs["owner"] = OwnerField()
    return type(f"{model_class.__name__}Serializer", (ModelSerializer,), attrs)


BusinessUnitSerializer = _serializer(BusinessUnit, ["name", "code", "description", "owner"])
ContextIssueSerializer = _serializer(
    ContextIssue, ["title", "kind", "category", "description", "effect", "owner"]
)
InterestedPartySerializer = _serializer(
    InterestedParty,
    ["name", "category", "description", "needs_and_expectations", "addressed_by_aims", "owner"],
)
OrganizationSerializer = _serializer(
    Organization,
    ["name", "name_ja", "description", "scope_statement", "scope_exclusions", "owner"],
)


class BusinessUnitViewSet(RecordViewSet):
    model = BusinessUnit
    serializer_class = BusinessUnitSerializer
    search_fields = ["name", "code"]
    ordering = ["name"]


class ContextIssueViewSet(RecordViewSet):
    """Internal and external issues (4.1)."""

    model = ContextIssue
    serializer_class = ContextIssueSerializer
    filterset_fields = ["kind", "category"]
    search_fields = ["title", "description"]
    ordering = ["kind", "title"]


class InterestedPartyViewSet(RecordViewSet):
    """Interested parties and their needs and expectations (4.2)."""

    model = InterestedParty
    serializer_class = InterestedPartySerializer
    filterset_fields = ["category", "addressed_by_aims"]
    search_fields = ["name", "needs_and_expectations"]
    ordering = ["name"]


class OrganizationViewSet(RecordViewSet):
    """The organisation and its AIMS scope statement (4.3)."""

    model = Organization
    serializer_class = OrganizationSerializer
    ordering = ["name"]


class ObjectiveResultSerializer(ModelSerializer):
    recorded_by = username_of("recorded_by")

    class Meta:
        model = ObjectiveResult
        fields = ["id", "measured_on", "value", "notes", "recorded_by", "created_at"]
        read_only_fields = ["recorded_by", "created_at"]


class ObjectiveSerializer(ModelSerializer):
    results = ObjectiveResultSerializer(many=True, read_only=True)
    ai_systems = AISystemsField(
        many=True,
        required=False,
        queryset=AISystem.objects.all(),
        help_text="Ids of the AI systems the objective concerns that you may see.",
    )
    other_ai_systems = OtherAISystemsField(source="ai_systems")
    owner = OwnerField()

    class Meta:
        model = Objective
        fields = [
            "id",
            "title",
            "description",
            "target",
            "measure",
            "plan",
            "due_on",
            "status",
            "owner",
            "ai_systems",
            "other_ai_systems",
            "results",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS


class ObjectiveViewSet(RecordViewSet):
    """AI objectives (6.2) with their measured results (9.1): ``POST …/results/`` records one."""

    model = Objective
    serializer_class = ObjectiveSerializer
    filterset_fields = ["status", "owner"]
    search_fields = ["title", "target"]
    ordering_fields = ["due_on", "title"]
    ordering = ["due_on", "title"]

    def base_queryset(self) -> Any:
        return Objective.objects.prefetch_related("results__recorded_by", "ai_systems")

    @extend_schema(request=ObjectiveResultSerializer, responses={201: ObjectiveResultSerializer})
    @action(detail=True, methods=["post"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        data = ObjectiveResultSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = objective_result_record(
            actor=request.user, objective=self.get_object(), **data.validated_data
        )
        return Response(ObjectiveResultSerializer(result).data, status=status.HTTP_201_CREATED)
