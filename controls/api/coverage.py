"""API of the coverage part of the controls app: the frameworks crosswalked to Annex A with
the share of their items the Statement of Applicability covers, and per framework each item
with what reaches it (``controls.selectors.coverage``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from aims.api.base import ReadOnlyViewSet
from aims.models import Framework
from aims.permissions import Policy
from aims.roles import Capability
from controls.selectors import coverage as selectors
from controls.selectors.evidence import SUMMARY_SAMPLE


class CoverageEvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    valid_until = serializers.DateField(allow_null=True)
    review_status = serializers.CharField()
    expired = serializers.BooleanField()
    valid = serializers.BooleanField(help_text="Valid today: not rejected, not expired.")


class CoverageControlSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    evidence_count = serializers.IntegerField(help_text="The control's evidence the reader sees.")
    valid_evidence_count = serializers.IntegerField(help_text="Of which valid today.")


class CoverageReachSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="soa_row or control.")
    id = serializers.IntegerField()
    label = serializers.CharField()
    coverage = serializers.ChoiceField(
        source="state",
        choices=list(selectors.STATUSES),
        help_text="How far this row or control carries the item.",
    )
    reason = serializers.CharField()
    relationship = serializers.CharField(help_text="The crosswalk's relationship; empty: direct.")
    controls = CoverageControlSerializer(many=True)
    evidence = CoverageEvidenceSerializer(
        many=True,
        help_text="The row's own evidence and, of each control, a few pieces (valid first); "
        "each control gives its counts.",
    )


class CoverageItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="requirement.pk")
    urn = serializers.CharField(source="requirement.urn")
    ref_id = serializers.CharField(source="requirement.ref_id")
    name_en = serializers.CharField(source="requirement.name_en")
    name_ja = serializers.CharField(source="requirement.name_ja")
    coverage = serializers.ChoiceField(source="status", choices=list(selectors.STATUSES))
    reaches = CoverageReachSerializer(many=True)


class FrameworkCoverageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="framework.pk")
    urn = serializers.CharField(source="framework.urn")
    ref_id = serializers.CharField(source="framework.ref_id")
    name_en = serializers.CharField(source="framework.name_en")
    name_ja = serializers.CharField(source="framework.name_ja")
    crosswalked = serializers.BooleanField(
        source="framework.crosswalked",
        help_text="A crosswalk of the library links the framework to ISO/IEC 42001 Annex A.",
    )
    soa_version = serializers.SerializerMethodField()
    items = serializers.IntegerField(source="total", help_text="Assessable items.")
    covered = serializers.IntegerField()
    partly = serializers.IntegerField()
    none = serializers.IntegerField()
    covered_percent = serializers.FloatField(help_text="Covered items / items × 100.")
    partly_percent = serializers.FloatField()

    def get_soa_version(self, obj: Any) -> int | None:
        version = self.context.get("version")
        return version.pk if version is not None else None


class FrameworkCoverageDetailSerializer(FrameworkCoverageSerializer):
    item_coverage = CoverageItemSerializer(source="items", many=True)


SOA_PARAMETER = OpenApiParameter(
    "soa",
    OpenApiTypes.INT,
    description="The id of the SoA version to compute against (default: the working version).",
)
STATUS_PARAMETER = OpenApiParameter(
    "coverage",
    OpenApiTypes.STR,
    enum=list(selectors.STATUSES),
    description="Only the items with this coverage.",
)


CROSSWALKED_PARAMETER = OpenApiParameter(
    "crosswalked",
    OpenApiTypes.BOOL,
    description="Only the frameworks with (true) or without (false) a crosswalk to Annex A.",
)


@extend_schema_view(
    list=extend_schema(parameters=[SOA_PARAMETER, CROSSWALKED_PARAMETER]),
    retrieve=extend_schema(parameters=[SOA_PARAMETER, STATUS_PARAMETER]),
)
class CoverageViewSet(ReadOnlyViewSet):
    """Coverage of the library's frameworks by the SoA: the list holds every framework with
    its figures, those crosswalked to ISO/IEC 42001 Annex A first (``crosswalked``; the
    coverage page lists these); a framework's id gives its items."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = Framework
    serializer_class = FrameworkCoverageSerializer
    filter_backends: list[Any] = []

    def base_queryset(self) -> Any:
        # Every framework (its items may be satisfied directly by controls), the ones
        # crosswalked to Annex A first and flagged; the page lists those.
        return selectors.frameworks_for_coverage()

    def filter_queryset(self, queryset: Any) -> Any:
        value = self.request.query_params.get("crosswalked")
        if value in (None, "") or self.action != "list":
            return queryset
        if value not in ("true", "false"):
            raise serializers.ValidationError({"crosswalked": [_("Give true or false.")]})
        return queryset.filter(crosswalked=value == "true")

    def _version(self) -> Any:
        try:
            return selectors.coverage_version(
                self.request.user, self.request.query_params.get("soa")
            )
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        version = self._version()
        frameworks = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        results = selectors.framework_coverage(frameworks or [], user=request.user, version=version)
        data = FrameworkCoverageSerializer(results, many=True, context={"version": version}).data
        return self.get_paginated_response(data)

    @extend_schema(responses=FrameworkCoverageDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        framework = self.get_object()
        version = self._version()
        wanted = request.query_params.get("coverage") or ""
        if wanted and wanted not in selectors.STATUSES:
            raise serializers.ValidationError(
                {
                    "coverage": [
                        _("Unknown coverage %(value)s: use one of %(choices)s.")
                        % {"value": wanted, "choices": ", ".join(selectors.STATUSES)}
                    ]
                }
            )
        [result] = selectors.framework_coverage(
            [framework], user=request.user, version=version, named=SUMMARY_SAMPLE
        )
        if wanted:
            result.items = [item for item in result.items if item.status == wanted]
        data = FrameworkCoverageDetailSerializer(result, context={"version": version}).data
        return Response(data)


ROUTES: list[tuple[str, Any, str]] = [("coverage", CoverageViewSet, "coverage")]
