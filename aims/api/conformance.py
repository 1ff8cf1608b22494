"""API of clause conformance (``clause-assessments/``): one row per assessable clause; the
rows exist already, so there is no create or delete."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from rest_framework import mixins, serializers, viewsets

from aims import selectors
from aims.api.base import PolicyViewSetMixin
from aims.api.fields import OwnerField, ScopedPrimaryKeyRelatedField
from aims.choices import ConformanceStatus
from aims.filters import ScopedFilterSet
from aims.models import ClauseAssessment, Document
from aims.permissions import Policy
from aims.roles import Capability
from aims.services.conformance import clause_assessment_update


class ClauseAssessmentSerializer(serializers.ModelSerializer):
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
            "updated_at",
        ]
        read_only_fields = ["requirement", "updated_at"]


class ClauseAssessmentFilter(ScopedFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ConformanceStatus.choices)
    clause = django_filters.CharFilter(method="filter_clause", label="Clause (e.g. 6 or 6.1)")
    owner = django_filters.NumberFilter(field_name="owner_id")

    class Meta:
        model = ClauseAssessment
        fields: list[str] = []

    def filter_clause(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(
            Q(requirement__ref_id=value) | Q(requirement__ref_id__startswith=f"{value}.")
        )


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

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = clause_assessment_update(
            actor=self.request.user, assessment=serializer.instance, **serializer.validated_data
        )
