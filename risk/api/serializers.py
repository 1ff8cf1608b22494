"""Serializers of the risk API. Levels are read-only and derived on the server; a level in a
request is refused, not ignored."""

from __future__ import annotations

from typing import Any

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aims.api.base import ModelSerializer
from aims.api.fields import (
    AISystemsField,
    OtherAISystemsField,
    OwnerField,
    ScopedPrimaryKeyRelatedField,
)
from aims.models import AISystem, Requirement
from controls.models import Control
from risk.choices import AcceptanceEnd
from risk.levels import MAX_STEPS
from risk.models import Risk, RiskAcceptance, RiskMatrix, TreatmentAction
from risk.selectors import RISK_API_PREFETCHED as PREFETCHED
from risk.services.register import COMPUTED_FIELDS

STEP_KEYS = ("label_en", "label_ja", "description_en", "description_ja")
LEVEL_KEYS = ("code", "label_en", "label_ja", "colour")


class StepSerializer(serializers.Serializer):
    position = serializers.IntegerField(read_only=True)
    label_en = serializers.CharField(max_length=100)
    label_ja = serializers.CharField(max_length=100)
    description_en = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    description_ja = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class LevelSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=30)
    rank = serializers.IntegerField(read_only=True)
    label_en = serializers.CharField(max_length=100)
    label_ja = serializers.CharField(max_length=100)
    colour = serializers.CharField(required=False, allow_blank=True, max_length=7)


class CriteriaSerializer(serializers.Serializer):
    acceptable_levels = serializers.ListField(child=serializers.CharField(), read_only=True)
    above_criteria_role = serializers.CharField(read_only=True)
    statement_en = serializers.CharField(read_only=True)
    statement_ja = serializers.CharField(read_only=True)


class RiskMatrixSerializer(ModelSerializer):
    # Lists bounded here as well as by the service, so an oversized body is refused before
    # each of its items is validated.
    likelihood_levels = StepSerializer(many=True, max_length=MAX_STEPS)
    impact_levels = StepSerializer(many=True, max_length=MAX_STEPS)
    levels = LevelSerializer(many=True, max_length=MAX_STEPS)
    grid = serializers.ListField(
        child=serializers.ListField(
            child=serializers.CharField(max_length=30), max_length=MAX_STEPS
        ),
        max_length=MAX_STEPS,
        help_text="grid[likelihood - 1][impact - 1] is the level code of that cell.",
    )
    criteria = CriteriaSerializer(read_only=True, allow_null=True)
    # Declared: setting a default takes it from the matrix that had it (the service moves the
    # flag), so the one-default constraints are no uniqueness error for the client.
    is_default = serializers.BooleanField(
        required=False, help_text="Default matrix of new risks and of the register's heat maps."
    )
    is_impact_default = serializers.BooleanField(
        required=False, help_text="Default matrix of new impact assessments."
    )
    acceptable_levels = serializers.ListField(
        child=serializers.CharField(max_length=30),
        max_length=MAX_STEPS,
        write_only=True,
        required=False,
        help_text="Level codes within the risk criteria (for a new matrix).",
    )

    class Meta:
        model = RiskMatrix
        fields = [
            "id",
            "code",
            "version",
            "name_en",
            "name_ja",
            "description_en",
            "description_ja",
            "is_current",
            "is_default",
            "is_impact_default",
            "likelihood_levels",
            "impact_levels",
            "levels",
            "grid",
            "criteria",
            "acceptable_levels",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "is_current", "created_at", "updated_at"]

    def to_representation(self, matrix: RiskMatrix) -> dict[str, Any]:
        data = super().to_representation(matrix)
        for axis in ("likelihood_levels", "impact_levels"):
            data[axis] = [
                {"position": n, **{k: step.get(k, "") for k in STEP_KEYS}}
                for n, step in enumerate(getattr(matrix, axis), start=1)
            ]
        data["levels"] = [
            {"rank": n, **{k: level.get(k, "") for k in LEVEL_KEYS}}
            for n, level in enumerate(matrix.levels, start=1)
        ]
        return data

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = super().to_internal_value(data)
        for axis in ("likelihood_levels", "impact_levels"):
            if axis in values:
                values[axis] = [{k: step.get(k, "") for k in STEP_KEYS} for step in values[axis]]
        if "levels" in values:
            values["levels"] = [
                {k: level.get(k, "") for k in LEVEL_KEYS} for level in values["levels"]
            ]
        return values


class CriteriaUpdateSerializer(serializers.Serializer):
    acceptable_levels = serializers.ListField(child=serializers.CharField(), required=False)
    statement_en = serializers.CharField(required=False, allow_blank=True)
    statement_ja = serializers.CharField(required=False, allow_blank=True)


class AcceptanceSerializer(ModelSerializer):
    accepted_by = serializers.CharField(source="accepted_by.username", read_only=True)
    # Declared: DRF drops ``allow_blank`` from a read-only model field, and the schema would
    # then refuse the "" of an acceptance in force.
    end_reason = serializers.ChoiceField(
        choices=AcceptanceEnd.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = RiskAcceptance
        fields = [
            "id",
            "accepted_by",
            "accepted_at",
            "rationale",
            "expires_on",
            "residual_level",
            "within_criteria",
            "ended_at",
            "end_reason",
        ]
        read_only_fields = fields


class AcceptRequestSerializer(serializers.Serializer):
    rationale = serializers.CharField()
    expires_on = serializers.DateField(help_text="The acceptance holds until this date.")


class AcceptanceRequestSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="What the acceptor should know (optional).",
    )


def _library_field(label: str, prefetched: str | None = None) -> serializers.Field:
    return ScopedPrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Requirement.objects.all(),
        help_text=label,
        prefetched=prefetched,
    )


class RiskSerializer(ModelSerializer):
    """A risk. The lists are read from what ``risk.selectors.risks_for_api`` prefetched
    (``PREFETCHED``), or from the relations for a risk read otherwise (one just saved)."""

    code = serializers.CharField(read_only=True)
    ai_systems = AISystemsField(
        many=True,
        required=False,
        queryset=AISystem.objects.all(),
        help_text="Ids of the AI systems the risk concerns that you may see. Writing them "
        "leaves the risk's links to systems you may not change as they are.",
        prefetched=PREFETCHED["ai_systems"],
    )
    other_ai_systems = OtherAISystemsField(source="ai_systems", prefetched=PREFETCHED["ai_systems"])
    risk_sources = _library_field(
        "Ids of ISO/IEC 42001 Annex C.3 risk sources.", PREFETCHED["risk_sources"]
    )
    categories = _library_field(
        "Ids of AI risk categories (library taxonomy).", PREFETCHED["categories"]
    )
    principles = _library_field(
        "Ids of AI Guidelines for Business principles (C-1 … C-10).", PREFETCHED["principles"]
    )
    aisi_perspectives = _library_field(
        "Ids of AISI evaluation perspectives.", PREFETCHED["aisi_perspectives"]
    )
    owner = OwnerField()
    matrix = ScopedPrimaryKeyRelatedField(
        queryset=RiskMatrix.objects.all(),
        required=False,
        help_text="Id of the risk matrix; the default matrix when omitted.",
    )
    template = ScopedPrimaryKeyRelatedField(
        queryset=Requirement.objects.all(),
        required=False,
        allow_null=True,
        help_text=Risk._meta.get_field("template").help_text,
    )
    inherent_likelihood = serializers.IntegerField(help_text="1-based position on the scale.")
    inherent_impact = serializers.IntegerField(help_text="1-based position on the scale.")
    residual_likelihood = serializers.IntegerField(required=False)
    residual_impact = serializers.IntegerField(required=False)
    acceptance = serializers.SerializerMethodField()

    class Meta:
        model = Risk
        fields = [
            "id",
            "code",
            "title",
            "description",
            "ai_systems",
            "other_ai_systems",
            "risk_sources",
            "source_notes",
            "categories",
            "principles",
            "aisi_perspectives",
            "template",
            "matrix",
            "inherent_likelihood",
            "inherent_impact",
            "inherent_level",
            "residual_likelihood",
            "residual_impact",
            "residual_level",
            "treatment_option",
            "treatment_plan",
            "status",
            "closed_reason",
            "owner",
            "review_interval_days",
            "next_review_on",
            "acceptance",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["inherent_level", "residual_level", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        sent = [name for name in COMPUTED_FIELDS if name in getattr(self, "initial_data", {})]
        if sent:
            raise serializers.ValidationError(
                {
                    name: [_("Levels are derived from the matrix and cannot be set.")]
                    for name in sent
                }
            )
        return attrs

    def to_representation(self, risk: Risk) -> dict[str, Any]:
        if risk is self.instance and hasattr(self, "_validated_data"):
            # Just written: the lists loaded with the risk before the write may be stale.
            for attr in PREFETCHED.values():
                vars(risk).pop(attr, None)
        return super().to_representation(risk)

    @extend_schema_field(
        AcceptanceSerializer(allow_null=True, help_text="The acceptance in force.")
    )
    def get_acceptance(self, risk: Risk) -> dict[str, Any] | None:
        active = getattr(risk, PREFETCHED["acceptances"], None)
        if active is None:
            active = [a for a in risk.acceptances.all() if a.ended_at is None]
        return self._acceptance.to_representation(active[0]) if active else None

    @cached_property
    def _acceptance(self) -> AcceptanceSerializer:
        # One serializer for every row of a page: building one binds and copies its fields.
        return AcceptanceSerializer(context=self.context)


class TreatmentActionSerializer(ModelSerializer):
    risk = ScopedPrimaryKeyRelatedField(queryset=Risk.objects.all())
    controls = _library_field("Ids of ISO/IEC 42001 Annex A controls.")
    implementing_controls = ScopedPrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Control.objects.all(),
        help_text="Ids of the organisation's controls (that you may see) the action puts in "
        "place or relies on.",
    )
    owner = OwnerField()

    class Meta:
        model = TreatmentAction
        fields = [
            "id",
            "risk",
            "title",
            "description",
            "owner",
            "due_on",
            "status",
            "completed_on",
            "controls",
            "implementing_controls",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
