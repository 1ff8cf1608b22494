"""Serializers of the impact API. ``level`` is derived on the server; a request that sends it
is refused. ``reflected_risks`` reads as every risk the assessment is reflected in (its own
links and its entries'), and writes the assessment's own links."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from aims.api.base import ModelSerializer
from aims.api.fields import OwnerField, ScopedPrimaryKeyRelatedField
from aims.models import AISystem, Requirement
from impact.choices import AssessmentScope, PartyKind
from impact.models import ImpactAssessment, ImpactEntry
from impact.services import COMPUTED, reflected_risk_ids
from risk.models import Risk, RiskMatrix


class _RefusesLevels:
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        sent = [name for name in COMPUTED if name in getattr(self, "initial_data", {})]
        if sent:
            raise serializers.ValidationError(
                {
                    name: [_("The level is derived from the matrix and cannot be set.")]
                    for name in sent
                }
            )
        return attrs


class ImpactEntrySerializer(_RefusesLevels, ModelSerializer):
    party_type = ScopedPrimaryKeyRelatedField(
        queryset=Requirement.objects.all(), help_text="Id of an affected-party type (library)."
    )
    impact_area = ScopedPrimaryKeyRelatedField(
        queryset=Requirement.objects.all(), help_text="Id of an impact area (library)."
    )
    risks = ScopedPrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Risk.objects.all(),
        help_text="Ids of risks of the same AI system this consequence is reflected in.",
    )

    class Meta:
        model = ImpactEntry
        fields = [
            "id",
            "assessment",
            "party_type",
            "party_description",
            "impact_area",
            "nature",
            "description",
            "severity",
            "likelihood",
            "level",
            "reversibility",
            "existing_mitigations",
            "planned_mitigations",
            "risks",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["assessment", "level", "created_at", "updated_at"]


class ImpactAssessmentSerializer(_RefusesLevels, ModelSerializer):
    ai_system = ScopedPrimaryKeyRelatedField(queryset=AISystem.objects.all())
    responsible = OwnerField(help_text="Id of the person responsible (an officer or a member).")
    owner = OwnerField()
    scope = serializers.ListField(
        child=serializers.ChoiceField(choices=AssessmentScope.choices), required=False
    )
    affected_parties = serializers.ListField(
        child=serializers.ChoiceField(choices=PartyKind.choices), required=False
    )
    matrix = ScopedPrimaryKeyRelatedField(
        queryset=RiskMatrix.objects.all(),
        required=False,
        help_text="Id of the matrix for severity × likelihood; the 3×3 matrix when omitted.",
    )
    severity = serializers.IntegerField(help_text="1-based position on the matrix's impact scale.")
    likelihood = serializers.IntegerField(help_text="1-based position on the likelihood scale.")
    reflected_risks = ScopedPrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Risk.objects.all(),
        source="linked_risks",
        help_text="Reads every risk the assessment is reflected in (its own and its entries'); "
        "writes the assessment's own links.",
    )
    annex_controls = ScopedPrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Requirement.objects.all(),
        help_text="Ids of ISO/IEC 42001 Annex A controls the mitigations rely on (library).",
    )
    entries = ImpactEntrySerializer(many=True, read_only=True)
    previous = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Id of the version before this one (null for the first version).",
    )

    class Meta:
        model = ImpactAssessment
        fields = [
            "id",
            "ai_system",
            "system_version",
            "series",
            "number",
            "previous",
            "assessed_on",
            "responsible",
            "responsible_role",
            "scope",
            "scope_notes",
            "intended_use",
            "foreseeable_misuse",
            "technical_context",
            "societal_context",
            "laws_and_jurisdictions",
            "affected_parties",
            "affected_parties_description",
            "potential_impacts",
            "matrix",
            "severity",
            "likelihood",
            "level",
            "stakeholders_to_be_informed",
            "stakeholder_communication",
            "reflected_risks",
            "reflection_notes",
            "annex_controls",
            "human_judgment",
            "human_judgment_decision",
            "human_judgment_rationale",
            "vulnerable_groups",
            "social_acceptance",
            "pia_information_flows",
            "pia_privacy_risks",
            "pia_evaluation",
            "pia_treatment",
            "pia_plan",
            "status",
            "author",
            "submitted_at",
            "approved_by",
            "approved_at",
            "review_comment",
            "reassessment_due",
            "reassessment_reason",
            "owner",
            "review_interval_days",
            "next_review_on",
            "entries",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "series",
            "number",
            "previous",
            "level",
            "status",
            "author",
            "submitted_at",
            "approved_by",
            "approved_at",
            "review_comment",
            "reassessment_due",
            "reassessment_reason",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, assessment: ImpactAssessment) -> dict[str, Any]:
        data = super().to_representation(assessment)
        data["reflected_risks"] = reflected_risk_ids(assessment)
        return data
