"""API of clause conformance (``clause-assessments/``): one row per assessable clause; the
rows exist already, so there is no create or delete."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets

from aims import selectors
from aims.api.base import ModelSerializer, PolicyViewSetMixin
from aims.api.fields import OwnerField, ScopedPrimaryKeyRelatedField
from aims.choices import ConformanceStatus
from aims.dashboard import clause_evidence
from aims.filters import ClauseAssessmentFilter
from aims.models import ClauseAssessment, Document
from aims.permissions import Policy
from aims.registry import registry
from aims.roles import Capability
from aims.services.conformance import clause_assessment_update


class EvidenceFigureSerializer(serializers.Serializer):
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="What the figure counts, in the request's language."
    )
    count = serializers.IntegerField()
    url = serializers.CharField(help_text="The page listing exactly the records counted.")


class ClauseEvidenceSerializer(serializers.Serializer):
    """One source of live records that evidence the clause (``aims.registry``)."""

    source = serializers.CharField(  # type: ignore[assignment]
        help_text="Code of the evidence source, e.g. risk_assessment."
    )
    label = serializers.CharField()  # type: ignore[assignment]
    summary = serializers.CharField()
    suggested_status = serializers.ChoiceField(
        choices=ConformanceStatus.choices, allow_null=True, help_text="What this source suggests."
    )
    reason = serializers.CharField()
    figures = EvidenceFigureSerializer(many=True)


def evidence_rows(entry: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not entry:
        return []
    return [
        {
            "source": item["source"].code,
            "label": str(item["source"].label),
            "summary": item["evidence"].summary,
            "suggested_status": item["evidence"].suggested_status,
            "reason": item["evidence"].reason,
            "figures": [
                {"label": str(f.label), "count": f.count, "url": f.url}
                for f in item["evidence"].figures
            ],
        }
        for item in entry["items"]
    ]


class ClauseAssessmentSerializer(ModelSerializer):
    ref_id = serializers.CharField(source="requirement.ref_id", read_only=True)
    requirement_urn = serializers.CharField(source="requirement.urn", read_only=True)
    name_en = serializers.CharField(source="requirement.name_en", read_only=True)
    name_ja = serializers.CharField(source="requirement.name_ja", read_only=True)
    documents = ScopedPrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Document.objects.all(),
        help_text=ClauseAssessment._meta.get_field("documents").help_text,
    )
    evidence = serializers.SerializerMethodField(
        help_text="Live records that evidence the clause, read-only (empty when no source "
        "covers it); counted over what the caller may see."
    )
    suggested_status = serializers.SerializerMethodField(
        help_text="The status the live records suggest (the weakest of the sources'), or null. "
        "A suggestion only: it changes nothing until someone sets `status`."
    )
    owner = OwnerField()

    class Meta:
        model = ClauseAssessment
        fields = [
            "id",
            "requirement",
            "requirement_urn",
            "ref_id",
            "name_en",
            "name_ja",
            "status",
            "owner",
            "notes",
            "not_applicable_reason",
            "documents",
            "evidence",
            "suggested_status",
            "updated_at",
        ]
        read_only_fields = ["requirement", "updated_at"]

    def _evidence(self, obj: ClauseAssessment) -> dict[str, Any] | None:
        found = self.context.get("clause_evidence")
        if found is None:  # outside the viewset: ask for this row alone
            ref = obj.requirement.ref_id
            found = clause_evidence(self.context["request"].user, [ref])
        return found.get(obj.requirement.ref_id)

    @extend_schema_field(ClauseEvidenceSerializer(many=True))
    def get_evidence(self, obj: ClauseAssessment) -> list[dict[str, Any]]:
        return evidence_rows(self._evidence(obj))

    @extend_schema_field(
        serializers.ChoiceField(choices=ConformanceStatus.choices, allow_null=True)
    )
    def get_suggested_status(self, obj: ClauseAssessment) -> str | None:
        entry = self._evidence(obj)
        return entry["suggested_status"] if entry else None


class ClauseAssessmentViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    selector = staticmethod(selectors.clause_assessments)
    model = ClauseAssessment
    serializer_class = ClauseAssessmentSerializer
    filterset_class = ClauseAssessmentFilter

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if getattr(self, "swagger_fake_view", False) or self.request is None:
            return context
        # Every source once per response, whatever the number of rows.
        refs = {ref for source in registry.evidence_sources for ref in source.clauses}
        context["clause_evidence"] = clause_evidence(self.request.user, refs)
        return context

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = clause_assessment_update(
            actor=self.request.user, assessment=serializer.instance, **serializer.validated_data
        )
