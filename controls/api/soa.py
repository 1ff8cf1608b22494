"""``soa/`` (versions; ``{id}/rows/``, ``{id}/checks/``, ``{id}/submit/``, ``{id}/approve/``,
``{id}/return/``, ``{id}/new-version/``, ``{id}/compare/?with=``) and ``soa-rows/`` (GET,
PATCH while the version is a draft, POST a control of another source, DELETE such a row;
``{id}/waive/`` and ``{id}/unwaive/``). Every write goes through ``controls.services.soa``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims.api.approval import approval_actions, approval_policy
from aims.api.base import ModelSerializer, PolicyViewSetMixin, ReadOnlyViewSet
from aims.api.fields import OwnerField, ScopedPrimaryKeyRelatedField
from aims.models import Requirement
from aims.permissions import Policy
from aims.roles import Capability
from controls.choices import SoaCheck
from controls.models import (
    ApplicabilityStatement,
    Control,
    Evidence,
    SoaCheckWaiver,
    StatementOfApplicability,
)
from controls.selectors import soa as selectors
from controls.services import soa as services


class SoaSerializer(ModelSerializer):
    class Meta:
        model = StatementOfApplicability
        fields = [
            "id",
            "number",
            "status",
            "change_summary",
            "author",
            "submitted_at",
            "approved_by",
            "approved_at",
            "review_comment",
            "owner",
            "review_interval_days",
            "next_review_on",
            "frozen_checks",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SoaRowSerializer(ModelSerializer):
    requirement = ScopedPrimaryKeyRelatedField(
        queryset=Requirement.objects.all(),
        help_text="Id of the library requirement (set when a row is added; fixed after).",
    )
    soa = ScopedPrimaryKeyRelatedField(
        queryset=StatementOfApplicability.objects.all(),
        help_text="Id of the SoA version (a draft) the row belongs to.",
    )
    ref_id = serializers.CharField(source="requirement.ref_id", read_only=True)
    controls = ScopedPrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Control.objects.all(),
        help_text="Ids of the organisation's controls implementing the row.",
    )
    evidence = ScopedPrimaryKeyRelatedField(
        many=True, required=False, queryset=Evidence.objects.all(), help_text="Ids of evidence."
    )
    owner = OwnerField(required=False, allow_null=True)

    class Meta:
        model = ApplicabilityStatement
        fields = [
            "id",
            "soa",
            "requirement",
            "ref_id",
            "applicable",
            "justification_type",
            "justification",
            "implementation_status",
            "controls",
            "evidence",
            "owner",
            "frozen",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["frozen", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            fixed = [name for name in ("soa", "requirement") if name in attrs]
            if fixed:
                raise serializers.ValidationError(
                    {name: ["A row stays with its version and control."] for name in fixed}
                )
        return attrs


class WaiveSerializer(serializers.Serializer):
    check_code = serializers.ChoiceField(choices=SoaCheck.choices)
    reason = serializers.CharField(help_text="Why the check is set aside for this control.")


class UnwaiveSerializer(serializers.Serializer):
    check_code = serializers.ChoiceField(choices=SoaCheck.choices)


class ReliedOnSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    url = serializers.CharField()


class SoaCheckSerializer(serializers.Serializer):
    """A failing consistency check of one row (``controls.services.soa.CheckResult``)."""

    code = serializers.CharField(
        help_text="One of the checks (" + ", ".join(SoaCheck.values) + ")."
    )
    requirement_id = serializers.IntegerField()
    ref_id = serializers.CharField()
    message = serializers.CharField()
    records = ReliedOnSerializer(many=True)
    waived = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)


class SoaRowSnapshotSerializer(serializers.Serializer):
    """A row as the SoA shows it (``controls.snapshot``): frozen or live."""

    id = serializers.IntegerField()
    requirement = serializers.DictField()
    applicable = serializers.BooleanField(allow_null=True)
    justification_type = serializers.CharField(allow_blank=True)
    justification = serializers.CharField(allow_blank=True)
    implementation_status = serializers.CharField()
    owner = serializers.CharField(allow_blank=True)
    controls = serializers.ListField(child=serializers.DictField())
    evidence = serializers.ListField(child=serializers.DictField())
    relied_on_by = ReliedOnSerializer(many=True)


CHECKS = SoaCheckSerializer(many=True)
ROW_SNAPSHOTS = SoaRowSnapshotSerializer(many=True)
COMPARISON = inline_serializer(
    "SoaComparison",
    {
        "left": serializers.IntegerField(),
        "right": serializers.IntegerField(),
        "changes": serializers.ListField(child=serializers.DictField()),
    },
)


class SoaViewSet(approval_actions(SoaSerializer, new_version=True), ReadOnlyViewSet):  # type: ignore[misc]
    """The versions of the Statement of Applicability. The officer edits a draft's rows
    (``soa-rows/``) and submits it; an approver who is neither its author nor changed it
    approves it, which freezes it; ``new-version/`` starts the next draft."""

    policy = approval_policy(
        read=Capability.SEE_RECORDS,
        write=Capability.CHANGE_ALL_RECORDS,
        rows=Capability.SEE_RECORDS,
        checks=Capability.SEE_RECORDS,
        compare=Capability.SEE_RECORDS,
    )
    model = StatementOfApplicability
    selector = staticmethod(selectors.soa_versions)
    serializer_class = SoaSerializer
    ordering = ["-number"]

    @extend_schema(operation_id="soa_version_rows", responses={200: ROW_SNAPSHOTS})
    @action(detail=True, methods=["get"], pagination_class=None)
    def rows(self, request: Request, pk: str | None = None) -> Response:
        """The rows as the SoA shows them: frozen for an approved version, live for a draft."""
        version = self.get_object()
        rows = list(selectors.soa_rows(version, request.user))
        shots = selectors.row_snapshots(version, rows, request.user)
        return Response([{"id": row.pk, **shot} for row, shot in zip(rows, shots, strict=True)])

    @extend_schema(responses={200: CHECKS})
    @action(detail=True, methods=["get"], pagination_class=None)
    def checks(self, request: Request, pk: str | None = None) -> Response:
        """The failing consistency checks (waived ones with their reason): live for a draft,
        as approved for an approved version."""
        version = self.get_object()
        return Response([c.as_dict() for c in services.soa_checks(version, request.user)])

    @extend_schema(
        parameters=[
            OpenApiParameter("with", OpenApiTypes.INT, description="Id of the other version.")
        ],
        responses={200: COMPARISON},
    )
    @action(detail=True, methods=["get"])
    def compare(self, request: Request, pk: str | None = None) -> Response:
        """The rows added, removed and changed between this version and ``?with=`` (by
        default the version before it), matched by the control's URN; each changed row lists
        the fields that differ."""
        version = self.get_object()
        other_id = request.query_params.get("with")
        if other_id is None:  # by default the version before (or the version itself)
            earlier = self.get_queryset().filter(number__lt=version.number).order_by("-number")
            other = earlier.first() or version
        elif not other_id.isdigit():
            raise serializers.ValidationError({"with": [_("Give the id of another version.")]})
        else:
            other = get_object_or_404(self.get_queryset(), pk=int(other_id))
        left, right = sorted([other, version], key=lambda v: v.number)
        changes = selectors.soa_compare(
            selectors.soa_row_snapshots(left, request.user),
            selectors.soa_row_snapshots(right, request.user),
        )
        return Response(
            {
                "left": left.pk,
                "right": right.pk,
                "changes": [
                    {
                        "kind": c.kind,
                        "urn": c.urn,
                        "ref_id": c.ref_id,
                        "fields": c.fields,
                        "left": c.left,
                        "right": c.right,
                    }
                    for c in changes
                ],
            }
        )


class SoaRowViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Rows of SoA versions (filter ``soa``). PATCH changes a draft's row; POST adds a control
    of another source to a draft; DELETE removes such an added row."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    model = ApplicabilityStatement
    serializer_class = SoaRowSerializer
    filterset_fields = ["soa"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering = ["soa", "requirement__framework_id", "requirement__order", "id"]

    def base_queryset(self) -> QuerySet[Any]:
        return ApplicabilityStatement.objects.select_related("requirement").prefetch_related(
            "controls", "evidence"
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.soa_row_add(
            actor=self.request.user,
            soa=data.pop("soa"),
            requirement=data.pop("requirement"),
            **data,
        )

    def perform_update(self, serializer: Any) -> None:
        row = services.soa_row_update(
            actor=self.request.user, row=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.base_queryset().get(pk=row.pk)

    def perform_destroy(self, instance: ApplicabilityStatement) -> None:
        services.soa_row_remove(actor=self.request.user, row=instance)

    @extend_schema(request=WaiveSerializer, responses={201: CHECKS})
    @action(detail=True, methods=["post"], pagination_class=None)
    def waive(self, request: Request, pk: str | None = None) -> Response:
        """Waive a check of this row with a reason; answers the version's checks."""
        row = self.get_object()
        data = WaiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.soa_check_waive(
            actor=request.user, soa=row.soa, requirement=row.requirement, **data.validated_data
        )
        checks = services.soa_checks(row.soa, request.user)
        return Response([c.as_dict() for c in checks], status=status.HTTP_201_CREATED)

    @extend_schema(request=UnwaiveSerializer, responses={200: CHECKS})
    @action(detail=True, methods=["post"], pagination_class=None)
    def unwaive(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw the waiver of a check of this row; answers the version's checks."""
        row = self.get_object()
        data = UnwaiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        waiver = SoaCheckWaiver.objects.filter(
            soa=row.soa, requirement=row.requirement, check_code=data.validated_data["check_code"]
        ).first()
        if waiver is None:
            raise ValidationError({"check_code": [_("This check is not waived.")]})
        services.soa_check_unwaive(actor=request.user, waiver=waiver)
        return Response([c.as_dict() for c in services.soa_checks(row.soa, request.user)])


ROUTES: list[tuple[str, Any, str]] = [
    ("soa", SoaViewSet, "soa"),
    ("soa-rows", SoaRowViewSet, "soa-row"),
]
