"""API of the audits part of the audit app: ``audit-programmes/`` (+ submit/approve/return/
new-version), ``audits/`` (+ ``{id}/checklist/``, ``{id}/issue-report/``, ``{id}/start/``,
``{id}/close/``, ``{id}/confirm-impartiality/``), ``checklist-rows/`` (GET, PATCH),
``findings/``, ``audit-reports/`` (+ submit/approve/return/new-version) and
``auditor-accesses/``. Every write goes through ``audit.services.audits``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims.api.approval import approval_actions
from aims.api.base import (
    ListCreateUpdateViewSet,
    ModelSerializer,
    PolicyViewSetMixin,
    ReadOnlyViewSet,
)
from aims.api.fields import OwnerField, ScopedPrimaryKeyRelatedField
from aims.models import AISystem, Requirement
from aims.permissions import Policy
from aims.roles import Capability
from aims.services.approval import approval_return, approval_submit
from audit.filters.audits import AuditFilter, ChecklistFilter, FindingFilter
from audit.models import (
    Audit,
    AuditorAccess,
    AuditProgramme,
    AuditReport,
    ChecklistRow,
    Finding,
    ImpartialityDeclaration,
)
from audit.selectors import audits as selectors
from audit.services import audits as services
from controls.models import EvidenceVersion


class ProgrammeSerializer(ModelSerializer):
    owner = OwnerField(required=False, allow_null=True)

    class Meta:
        model = AuditProgramme
        fields = [
            "id",
            "code",
            "number",
            "status",
            "title",
            "period_start",
            "period_end",
            "objectives",
            "criteria",
            "frequency",
            "methods",
            "responsibilities",
            "previous_results",
            "owner",
            "author",
            "submitted_at",
            "approved_by",
            "approved_at",
            "review_comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "author",
            "submitted_at",
            "approved_by",
            "approved_at",
            "review_comment",
            "created_at",
            "updated_at",
        ]


class DeclarationSerializer(ModelSerializer):
    class Meta:
        model = ImpartialityDeclaration
        fields = ["id", "auditor", "conflict", "confirmed_by", "confirmed_at", "reason"]
        read_only_fields = fields


class AuditSerializer(ModelSerializer):
    programme = ScopedPrimaryKeyRelatedField(queryset=AuditProgramme.objects.all())
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        help_text="Id of the lead auditor (an internal auditor).",
    )
    team = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="Ids of the internal auditors of the team.",
    )
    ai_systems = ScopedPrimaryKeyRelatedField(
        many=True, required=False, queryset=AISystem.objects.all(), help_text="AI systems sampled."
    )
    requirements = ScopedPrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Requirement.objects.all(),
        help_text="Requirements in scope (clauses, Annex A controls, other frameworks' items).",
    )
    impartiality = DeclarationSerializer(many=True, read_only=True)

    class Meta:
        model = Audit
        fields = [
            "id",
            "programme",
            "title",
            "status",
            "owner",
            "team",
            "ai_systems",
            "requirements",
            "scope_description",
            "criteria",
            "method",
            "period_start",
            "period_end",
            "fieldwork_start",
            "fieldwork_end",
            "conclusions",
            "impartiality",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "programme" in attrs:
            raise serializers.ValidationError({"programme": ["An audit stays in its programme."]})
        return attrs


class ChecklistRowSerializer(ModelSerializer):
    ref_id = serializers.CharField(source="requirement.ref_id", read_only=True)
    auditor = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Id of the internal auditor who checked the row.",
    )

    class Meta:
        model = ChecklistRow
        fields = [
            "id",
            "audit",
            "requirement",
            "ref_id",
            "order",
            "auditor",
            "notes",
            "sample",
            "result",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["audit", "requirement", "order", "created_at", "updated_at"]


class FindingSerializer(ModelSerializer):
    audit = ScopedPrimaryKeyRelatedField(queryset=Audit.objects.all())
    requirement = ScopedPrimaryKeyRelatedField(queryset=Requirement.objects.all())
    checklist_row = ScopedPrimaryKeyRelatedField(
        queryset=ChecklistRow.objects.all(), required=False, allow_null=True
    )
    evidence_versions = ScopedPrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=EvidenceVersion.objects.all(),
        help_text="Ids of the evidence versions seen (in the audit's scope and period).",
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Id of the auditor who recorded the finding.",
    )

    class Meta:
        model = Finding
        fields = [
            "id",
            "audit",
            "checklist_row",
            "requirement",
            "kind",
            "title",
            "description",
            "evidence_versions",
            "evidence_notes",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "audit" in attrs:
            raise serializers.ValidationError({"audit": ["A finding stays with its audit."]})
        return attrs


class ReportSerializer(ModelSerializer):
    class Meta:
        model = AuditReport
        fields = [
            "id",
            "audit",
            "number",
            "status",
            "summary",
            "conclusions",
            "revision_reason",
            "content",
            "author",
            "submitted_at",
            "approved_by",
            "approved_at",
            "review_comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AccessSerializer(ModelSerializer):
    audit = ScopedPrimaryKeyRelatedField(queryset=Audit.objects.all())
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="Id of a user with the external auditor role.",
    )

    class Meta:
        model = AuditorAccess
        fields = ["id", "audit", "user", "access_from", "access_until", "created_at"]
        read_only_fields = ["created_at"]


class IssueReportSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    conclusions = serializers.CharField(required=False, allow_blank=True, default="")
    revision_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the issued report is corrected (required for a revision).",
    )


class ConfirmSerializer(serializers.Serializer):
    declaration = serializers.IntegerField(help_text="Id of the impartiality declaration.")
    reason = serializers.CharField(help_text="Why the auditor may still audit it.")


class RevisionSerializer(serializers.Serializer):
    revision_reason = serializers.CharField(help_text="Why the issued report is corrected.")


# --- Viewsets ---------------------------------------------------------------------------------
AUDITS = Policy(read=Capability.VIEW_AUDITS, write=Capability.MANAGE_AUDITS)


class AuditProgrammeViewSet(
    approval_actions(ProgrammeSerializer, new_version=True),  # type: ignore[misc]
    ListCreateUpdateViewSet,
):
    """Versions of the audit programme (9.2.2): internal auditors draft and submit; the
    governance officer approves or returns (the service checks the right to change all
    records); ``new-version/`` starts the next draft."""

    # Approving needs the officer's right, which the service checks; the rows are those the
    # approver sees (the officer changes no audit records).
    policy = Policy(
        read=Capability.VIEW_AUDITS,
        write=Capability.MANAGE_AUDITS,
        actions={"approve": Capability.APPROVE, "return_": Capability.APPROVE},
    )
    model = AuditProgramme
    selector = staticmethod(selectors.programme_rows)
    serializer_class = ProgrammeSerializer
    filterset_fields = ["code", "status"]
    ordering = ["-period_start", "code", "-number"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.audit_programme_create(
            actor=self.request.user, code=data.pop("code"), title=data.pop("title"), **data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.audit_programme_update(
            actor=self.request.user, programme=serializer.instance, **serializer.validated_data
        )


class AuditViewSet(ListCreateUpdateViewSet):
    """Audits (9.2): scope, team, dates and status. Internal auditors plan and run them;
    ``start/`` opens fieldwork (refused while an impartiality declaration is unconfirmed);
    ``issue-report/`` drafts and submits the next report revision."""

    policy = AUDITS
    model = Audit
    selector = staticmethod(selectors.audit_details)
    serializer_class = AuditSerializer
    filterset_class = AuditFilter
    ordering = ["-period_start", "title", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self) -> QuerySet[Any]:
        return selectors.audit_details().prefetch_related("impartiality")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.audit_create(
            actor=self.request.user,
            programme=data.pop("programme"),
            title=data.pop("title"),
            **data,
        )

    def perform_update(self, serializer: Any) -> None:
        audit = services.audit_update(
            actor=self.request.user, audit=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.base_queryset().get(pk=audit.pk)

    def _fresh(self, audit: Audit, code: int = 200) -> Response:
        return Response(
            self.get_serializer(self.base_queryset().get(pk=audit.pk)).data, status=code
        )

    @extend_schema(responses={200: ChecklistRowSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def checklist(self, request: Request, pk: str | None = None) -> Response:
        """The audit's checklist rows, in order."""
        audit = self.get_object()
        rows = selectors.checklist_rows().filter(audit=audit).order_by("order", "pk")
        return Response(ChecklistRowSerializer(rows, many=True).data)

    @extend_schema(request=IssueReportSerializer, responses={201: ReportSerializer})
    @action(detail=True, methods=["post"], url_path="issue-report", url_name="issue-report")
    def issue_report(self, request: Request, pk: str | None = None) -> Response:
        """Draft the next report revision from the audit as it stands and submit it for issue
        (another internal auditor approves it)."""
        audit = self.get_object()
        data = IssueReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.audit_report_issue(actor=request.user, audit=audit, **data.validated_data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: AuditSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Start fieldwork (planned → in progress); the checklist is generated."""
        return self._fresh(services.audit_start(actor=request.user, audit=self.get_object()))

    @extend_schema(request=None, responses={200: AuditSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close a reported audit."""
        return self._fresh(services.audit_close(actor=request.user, audit=self.get_object()))

    @extend_schema(request=ConfirmSerializer, responses={200: AuditSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="confirm-impartiality",
        url_name="confirm-impartiality",
    )
    def confirm_impartiality(self, request: Request, pk: str | None = None) -> Response:
        """The lead auditor confirms, with a reason, an auditor's impartiality declaration."""
        audit = self.get_object()
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = audit.impartiality.filter(pk=data.validated_data["declaration"]).first()
        if declaration is None:
            raise serializers.ValidationError(
                {"declaration": ["No such declaration on this audit."]}
            )
        services.impartiality_confirm(
            actor=request.user, declaration=declaration, reason=data.validated_data["reason"]
        )
        return self._fresh(audit)


class ChecklistRowViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Checklist rows (filter ``audit``, ``result``): PATCH the notes, sample and result
    during fieldwork."""

    policy = AUDITS
    model = ChecklistRow
    selector = staticmethod(selectors.checklist_rows)
    serializer_class = ChecklistRowSerializer
    filterset_class = ChecklistFilter
    ordering = ["audit_id", "order", "id"]
    http_method_names = ["get", "patch", "head", "options"]

    def perform_update(self, serializer: Any) -> None:
        row = services.checklist_row_update(
            actor=self.request.user, row=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.base_queryset().get(pk=row.pk)


class FindingViewSet(ListCreateUpdateViewSet):
    """Findings of audits (filter ``audit``, ``kind``, ``requirement``): a major or minor
    nonconformity opens its nonconformity record."""

    policy = AUDITS
    model = Finding
    selector = staticmethod(selectors.finding_rows)
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    ordering = ["audit_id", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.finding_create(
            actor=self.request.user,
            audit=data.pop("audit"),
            requirement=data.pop("requirement"),
            kind=data.pop("kind"),
            title=data.pop("title"),
            description=data.pop("description"),
            evidence_versions=data.pop("evidence_versions", []),
            **data,
        )

    def perform_update(self, serializer: Any) -> None:
        finding = services.finding_update(
            actor=self.request.user, finding=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.base_queryset().get(pk=finding.pk)


class AuditReportViewSet(approval_actions(ReportSerializer), ReadOnlyViewSet):  # type: ignore[misc]
    """Revisions of audit reports: drafted and submitted by ``audits/{id}/issue-report/``;
    another internal auditor approves (issues) or returns them; an issued report is frozen,
    and ``new-version/`` starts a correction (with its reason)."""

    policy = Policy(
        read=Capability.VIEW_AUDITS,
        write=Capability.MANAGE_AUDITS,
        actions={"approve": Capability.MANAGE_AUDITS, "return_": Capability.MANAGE_AUDITS},
    )
    model = AuditReport
    selector = staticmethod(selectors.report_rows)
    serializer_class = ReportSerializer
    filterset_fields = ["audit", "status"]
    ordering = ["audit_id", "-number"]

    def approval_step(self, step: Any, code: int = 200, **kwargs: Any) -> Response:
        report = self.get_object()
        if step is approval_submit:
            result = services.audit_report_submit(actor=self.request.user, report=report)
        elif step is approval_return:
            result = services.audit_report_return(actor=self.request.user, report=report, **kwargs)
        else:
            result = services.audit_report_approve(actor=self.request.user, report=report)
        return Response(self.get_serializer(self.base_queryset().get(pk=result.pk)).data)

    @extend_schema(request=RevisionSerializer, responses={201: ReportSerializer})
    @action(detail=True, methods=["post"], url_path="new-version", url_name="new-version")
    def new_version(self, request: Request, pk: str | None = None) -> Response:
        """Start a correction of the issued report: a new draft revision with its reason."""
        report = self.get_object()
        data = RevisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.audit_report_new_version(
            actor=request.user, report=report, **data.validated_data
        )
        return Response(ReportSerializer(new).data, status=status.HTTP_201_CREATED)


class AuditorAccessViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """External auditors named on audits with their access windows. The officer or the
    audit's lead auditor names them (the service checks which)."""

    policy = Policy(read=Capability.VIEW_AUDITS, write=Capability.SEE_ALL_RECORDS)
    model = AuditorAccess
    selector = staticmethod(selectors.access_rows)
    serializer_class = AccessSerializer
    filterset_fields = ["audit", "user"]
    ordering = ["audit_id", "access_from"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.auditor_access_grant(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: AuditorAccess) -> None:
        services.auditor_access_revoke(actor=self.request.user, access=instance)


ROUTES: list[tuple[str, Any, str]] = [
    ("audit-programmes", AuditProgrammeViewSet, "audit-programme"),
    ("audits", AuditViewSet, "audit"),
    ("checklist-rows", ChecklistRowViewSet, "checklist-row"),
    ("findings", FindingViewSet, "finding"),
    ("audit-reports", AuditReportViewSet, "audit-report"),
    ("auditor-accesses", AuditorAccessViewSet, "auditor-access"),
]
