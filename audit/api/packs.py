"""``evidence-packs/``: request a pack (``POST``, ``202``: built in the background), follow
it (``GET``: the job's status, files done of the total, the SHA-256 once built) and download
it (``{id}/download/``). Who reads which pack: ``audit.models.pack.EvidencePacks``."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims.api.base import ModelSerializer, PolicyViewSetMixin
from aims.api.reports import report_file_response
from aims.choices import Language, ReportStatus
from aims.permissions import Policy
from aims.roles import Capability
from aims.scope import request_sight
from audit.choices import PackPreset, PackSection
from audit.filters.packs import EvidencePackFilter
from audit.models import EvidencePack
from audit.selectors import packs as selectors
from audit.services.packs import evidence_pack_create


class EvidencePackSerializer(ModelSerializer):
    ai_systems = serializers.SerializerMethodField(
        help_text="Ids of the pack's AI systems you see (empty with all_systems)."
    )
    language = serializers.CharField(source="job.language", read_only=True)
    status = serializers.CharField(source="job.status", read_only=True)
    requested_by = serializers.CharField(source="job.requested_by.username", read_only=True)
    created_at = serializers.DateTimeField(source="job.created_at", read_only=True)
    finished_at = serializers.DateTimeField(
        source="job.finished_at", read_only=True, allow_null=True
    )
    error = serializers.CharField(source="job.error", read_only=True)
    progress_done = serializers.IntegerField(source="job.progress_done", read_only=True)
    progress_total = serializers.IntegerField(
        source="job.progress_total", read_only=True, allow_null=True
    )
    file_name = serializers.CharField(source="job.file_name", read_only=True)
    file_size = serializers.IntegerField(source="job.file_size", read_only=True, allow_null=True)
    file_sha256 = serializers.CharField(source="job.file_sha256", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidencePack
        fields = [
            "id",
            "all_systems",
            "ai_systems",
            "period_from",
            "period_to",
            "preset",
            "sections",
            "audit",
            "language",
            "status",
            "requested_by",
            "created_at",
            "finished_at",
            "error",
            "progress_done",
            "progress_total",
            "file_name",
            "file_size",
            "file_sha256",
            "download_url",
        ]
        read_only_fields = fields

    def get_ai_systems(self, pack: EvidencePack) -> list[int]:
        seen = request_sight(self.context.get("request"))
        return sorted(s.pk for s in pack.ai_systems.all() if seen.sees(s.pk))

    def get_download_url(self, pack: EvidencePack) -> str | None:
        if pack.job.status != ReportStatus.DONE:
            return None
        return reverse("api:evidence-pack-download", kwargs={"pk": pack.pk})


class EvidencePackRequestSerializer(serializers.Serializer):
    ai_systems = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=100,
        help_text="Ids of AI systems; empty or absent: every AI system you see.",
    )
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    preset = serializers.ChoiceField(choices=PackPreset.choices)
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=PackSection.choices),
        required=False,
        max_length=len(PackSection.values),
        help_text="Only with the preset custom: the sections the pack holds.",
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    audit = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="The audit the pack is for."
    )


class EvidencePackViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Evidence packs. ``POST`` requests one (``202``); ``GET`` follows its ``status``
    (queued → running → done or failed) and ``progress_done`` of ``progress_total`` files;
    ``{id}/download/`` serves the ZIP."""

    policy = Policy(read=Capability.EXPORT, write=Capability.EXPORT)
    model = EvidencePack
    selector = staticmethod(selectors.evidence_packs)
    serializer_class = EvidencePackSerializer
    filterset_class = EvidencePackFilter
    ordering = ["-id"]

    @extend_schema(request=EvidencePackRequestSerializer, responses={202: EvidencePackSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = EvidencePackRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        audit = values.get("audit")
        pack = evidence_pack_create(
            actor=request.user,
            language=values.get("language") or (get_language() or "ja")[:2],
            parameters={
                "ai_systems": [str(pk) for pk in values.get("ai_systems", [])],
                "period_from": values["period_from"].isoformat(),
                "period_to": values["period_to"].isoformat(),
                "preset": values["preset"],
                "sections": list(values.get("sections", [])),
                "audit": str(audit) if audit else "",
            },
        )
        fresh = selectors.evidence_packs().get(pk=pack.pk)
        serializer = self.get_serializer(fresh)
        return Response(serializer.data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The evidence pack (ZIP)."
            )
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        return report_file_response(self.get_object().job)


ROUTES: list[tuple[str, Any, str]] = [
    ("evidence-packs", EvidencePackViewSet, "evidence-pack"),
]
