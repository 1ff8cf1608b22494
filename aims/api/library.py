"""API of the reference library: frameworks, requirements, mappings (read-only), and the
officers' import of additional frameworks or licensed official text."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from aims import selectors
from aims.api.base import ModelSerializer, ReadOnlyViewSet
from aims.choices import MappingRelationship
from aims.filters import ScopedFilterSet
from aims.models import Framework, Mapping, Requirement
from aims.permissions import AUTHENTICATED, Policy
from aims.roles import Capability
from aims.services.library import library_import

LIBRARY_IMPORT_MAX_BYTES = 5 * 1024 * 1024


class FrameworkSerializer(ModelSerializer):
    requirement_count = serializers.IntegerField(read_only=True)
    assessable_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Framework
        fields = [
            "id",
            "urn",
            "ref_id",
            "version",
            "category",
            "publisher",
            "publisher_ja",
            "source",
            "source_ja",
            "name_en",
            "name_ja",
            "description_en",
            "description_ja",
            "edition_en",
            "edition_ja",
            "shipped",
            "requirement_count",
            "assessable_count",
            "loaded_at",
        ]
        read_only_fields = fields


class RequirementSerializer(ModelSerializer):
    framework_urn = serializers.CharField(source="framework.urn", read_only=True)

    class Meta:
        model = Requirement
        fields = [
            "id",
            "urn",
            "framework",
            "framework_urn",
            "ref_id",
            "parent",
            "order",
            "depth",
            "assessable",
            "name_en",
            "name_ja",
            "summary_en",
            "summary_ja",
            "typical_evidence_en",
            "typical_evidence_ja",
            "tags",
            "attributes",
            "official_text_en",
            "official_text_ja",
            "withdrawn",
        ]
        read_only_fields = fields


class RequirementRefSerializer(ModelSerializer):
    framework_urn = serializers.CharField(source="framework.urn", read_only=True)

    class Meta:
        model = Requirement
        fields = ["id", "urn", "ref_id", "framework_urn", "name_en", "name_ja"]
        read_only_fields = fields


class MappingSerializer(ModelSerializer):
    mapping_set = serializers.CharField(source="mapping_set.urn", read_only=True)
    source = RequirementRefSerializer(read_only=True)
    target = RequirementRefSerializer(read_only=True)

    class Meta:
        model = Mapping
        fields = [
            "id",
            "mapping_set",
            "source",
            "target",
            "relationship",
            "rationale_en",
            "rationale_ja",
        ]
        read_only_fields = fields


class RequirementFilter(ScopedFilterSet):
    framework = django_filters.NumberFilter(field_name="framework_id")
    framework_urn = django_filters.CharFilter(field_name="framework__urn")
    parent = django_filters.NumberFilter(field_name="parent_id")
    top_level = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull")
    ref_id = django_filters.CharFilter()
    urn = django_filters.CharFilter()
    assessable = django_filters.BooleanFilter()
    withdrawn = django_filters.BooleanFilter()
    text = django_filters.CharFilter(method="filter_text", label=_("Text in any language"))

    class Meta:
        model = Requirement
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.requirement_search(queryset, value)


class MappingFilter(ScopedFilterSet):
    mapping_set = django_filters.CharFilter(field_name="mapping_set__urn")
    source = django_filters.NumberFilter(field_name="source_id")
    target = django_filters.NumberFilter(field_name="target_id")
    requirement = django_filters.NumberFilter(method="filter_requirement", label=_("Either side"))
    framework = django_filters.CharFilter(
        method="filter_framework", label=_("Framework URN on either side")
    )
    relationship = django_filters.ChoiceFilter(choices=MappingRelationship.choices)

    class Meta:
        model = Mapping
        fields: list[str] = []

    def filter_requirement(self, queryset: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
        return queryset.filter(Q(source_id=value) | Q(target_id=value))

    def filter_framework(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(source__framework__urn=value) | Q(target__framework__urn=value))


class LibraryImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A library file (YAML, format aims-library/1).")


class FrameworkViewSet(ReadOnlyViewSet):
    """Frameworks of the reference library. ``POST import/`` (officers) loads a file."""

    policy = Policy(read=AUTHENTICATED, actions={"import_file": Capability.MANAGE_USERS})
    selector = staticmethod(selectors.frameworks)
    model = Framework
    serializer_class = FrameworkSerializer
    filterset_fields = {"category": ["exact"], "urn": ["exact"], "shipped": ["exact"]}
    search_fields = ["ref_id", "name_en", "name_ja"]
    ordering_fields = ["ref_id", "category"]

    @extend_schema(
        request={"multipart/form-data": LibraryImportSerializer},
        responses={
            201: inline_serializer(
                "LibraryImportResult",
                {"results": serializers.ListField(child=serializers.DictField())},
            )
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser],
    )
    def import_file(self, request: Request) -> Response:
        data = LibraryImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > LIBRARY_IMPORT_MAX_BYTES:
            raise serializers.ValidationError({"file": [_("The file is larger than 5 MB.")]})
        try:
            outcomes = library_import(actor=request.user, name=upload.name, content=upload.read())
        except ValidationError as error:
            raise serializers.ValidationError({"file": error.messages}) from None
        results = [{"file": o.label, "urn": o.urn, "result": o.result} for o in outcomes]
        return Response({"results": results}, status=status.HTTP_201_CREATED)


class RequirementViewSet(ReadOnlyViewSet):
    policy = Policy(read=AUTHENTICATED)
    selector = staticmethod(selectors.requirements)
    model = Requirement
    serializer_class = RequirementSerializer
    filterset_class = RequirementFilter
    ordering_fields = ["order", "ref_id"]


class MappingViewSet(ReadOnlyViewSet):
    policy = Policy(read=AUTHENTICATED)
    selector = staticmethod(selectors.mappings)
    model = Mapping
    serializer_class = MappingSerializer
    filterset_class = MappingFilter
