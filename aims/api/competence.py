"""API of the competence register (7.2): ``competence-roles/`` and ``competence-records/``,
and of the certification readiness, ``readiness/`` (``aims.readiness``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aims.api.base import ModelSerializer, ModelViewSet
from aims.api.fields import (
    AISystemsField,
    OtherAISystemsField,
    OwnerField,
    ScopedPrimaryKeyRelatedField,
)
from aims.models import AISystem, CompetenceRecord, CompetenceRole, CompetenceState
from aims.permissions import Policy
from aims.readiness import ReadinessState, readiness
from aims.roles import Capability
from aims.selectors_competence import competence_records, competence_roles
from aims.services.competence import (
    competence_record_create,
    competence_record_delete,
    competence_record_update,
    competence_role_create,
    competence_role_delete,
    competence_role_update,
)

POLICY = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_RECORDS)


class CompetenceRoleSerializer(ModelSerializer):
    ai_systems = AISystemsField(
        many=True,
        required=False,
        queryset=AISystem.objects.all(),
        help_text="Ids of the AI systems the role works on; none: the whole organisation "
        "(the governance officer's).",
    )
    other_ai_systems = OtherAISystemsField(source="ai_systems")
    owner = OwnerField()
    people = serializers.IntegerField(read_only=True, help_text="People with a record.")
    competent = serializers.IntegerField(read_only=True, help_text="Of them, competent.")

    class Meta:
        model = CompetenceRole
        fields = [
            "id",
            "name",
            "description",
            "required_competence",
            "ai_systems",
            "other_ai_systems",
            "owner",
            "people",
            "competent",
            "review_interval_days",
            "next_review_on",
            "created_at",
            "updated_at",
        ]
        # The name's uniqueness is the service's check, with its message.
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}


class CompetenceRecordSerializer(ModelSerializer):
    role = ScopedPrimaryKeyRelatedField(queryset=CompetenceRole.objects.all())
    person = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="Id of the person whose competence is recorded.",
    )
    assessed_by = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Id of the user who assessed; the caller when omitted.",
    )
    assessed_on = serializers.DateField(required=False, help_text="Today when omitted.")
    owner = OwnerField(help_text="Who keeps the record current; the role's owner when omitted.")
    state = serializers.ChoiceField(choices=CompetenceState.choices)

    class Meta:
        model = CompetenceRecord
        fields = [
            "id",
            "person",
            "role",
            "state",
            "assessed_on",
            "assessed_by",
            "notes",
            "owner",
            "review_interval_days",
            "next_review_on",
            "created_at",
            "updated_at",
        ]
        # The one record per person and role is the service's check, with its message.
        validators: list[Any] = []


class CompetenceRoleViewSet(ModelViewSet):
    """Roles whose work affects the AI systems and the competence each requires. Operational
    members see the roles of their AI systems and the organisation-wide ones, and change
    those of their systems. A role with records is not deleted."""

    policy = POLICY
    selector = staticmethod(competence_roles)
    model = CompetenceRole
    serializer_class = CompetenceRoleSerializer
    search_fields = ["name", "description", "required_competence"]
    ordering_fields = ["name", "next_review_on", "updated_at"]
    ordering = ["name"]

    def perform_create(self, serializer: Any) -> None:
        role = competence_role_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.base_queryset().get(pk=role.pk)

    def perform_update(self, serializer: Any) -> None:
        role = competence_role_update(
            actor=self.request.user, role=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.base_queryset().get(pk=role.pk)

    def perform_destroy(self, instance: Any) -> None:
        competence_role_delete(actor=self.request.user, role=instance)


class CompetenceRecordViewSet(ModelViewSet):
    """People's competence for a role: competent, in training or a gap, when and by whom
    assessed, next review. Training records and certificates are evidence linked to the
    record (``evidence/`` links with target ``competence_record``)."""

    policy = POLICY
    selector = staticmethod(competence_records)
    model = CompetenceRecord
    serializer_class = CompetenceRecordSerializer
    filterset_fields = ["role", "person", "state"]
    ordering_fields = ["assessed_on", "next_review_on", "updated_at"]
    ordering = ["role_id", "person_id", "id"]

    def perform_create(self, serializer: Any) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if v is not None}
        serializer.instance = competence_record_create(actor=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = competence_record_update(
            actor=self.request.user, record=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Any) -> None:
        competence_record_delete(actor=self.request.user, record=instance)


# --- Readiness -----------------------------------------------------------------------------------
class ReadinessItemSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Stable id of the item, e.g. `r-4.3-scope`.")
    clauses = serializers.ListField(child=serializers.CharField())
    title = serializers.CharField(help_text="In the caller's language.")
    present_when = serializers.CharField(help_text="What counts as present and approved.")
    stage1 = serializers.BooleanField(help_text="Looked at in the Stage 1 audit.")
    stage2 = serializers.BooleanField(help_text="Looked at in the Stage 2 audit.")
    state = serializers.ChoiceField(choices=ReadinessState.choices)
    reason = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True, help_text="The page where it is fixed.")


class ReadinessVerdictSerializer(serializers.Serializer):
    ready = serializers.BooleanField()
    blocking = serializers.ListField(
        child=serializers.CharField(), help_text="Ids of the items that are not ready."
    )


class ReadinessSerializer(serializers.Serializer):
    date = serializers.DateField()
    stage1 = ReadinessVerdictSerializer()
    stage2 = ReadinessVerdictSerializer()
    items = ReadinessItemSerializer(many=True)


class ReadinessView(APIView):
    """Certification readiness: each item of the documented information ISO/IEC 42001 asks
    for, its state from the live records (`present_approved`, `present_stale`, `missing`,
    `not_checked`), the reason and the page to fix it; and the Stage 1 and Stage 2 verdicts
    with their blocking items. For the roles that see all records."""

    policy = Policy(read=Capability.SEE_ALL_RECORDS)

    @extend_schema(responses={200: ReadinessSerializer})
    def get(self, request: Request) -> Response:
        found = readiness(request.user)

        def verdict(v: Any) -> dict[str, Any]:
            return {"ready": v.ready, "blocking": [s.item.id for s in v.blocking]}

        body = {
            "date": found.today,
            "stage1": verdict(found.stage1),
            "stage2": verdict(found.stage2),
            "items": [
                {
                    "id": s.item.id,
                    "clauses": list(s.item.clauses),
                    "title": s.item.title,
                    "present_when": s.item.present_when,
                    "stage1": s.item.stage1,
                    "stage2": s.item.stage2,
                    "state": s.state,
                    "reason": s.reason,
                    "url": s.url,
                }
                for s in found.items
            ],
        }
        return Response(ReadinessSerializer(body).data)
