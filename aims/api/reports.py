"""``reports/``: request a report or export (a background job), follow it, download it."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims import selectors
from aims.api.base import ModelSerializer, PolicyViewSetMixin
from aims.choices import Language, ReportFormat, ReportStatus
from aims.models import ReportJob
from aims.permissions import Policy
from aims.reports import CONTENT_TYPES
from aims.roles import Capability
from aims.services.reports import report_job_create, report_job_retry
from aims.storage import file_download


class ReportJobSerializer(ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "kind",
            "format",
            "language",
            "parameters",
            "status",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "file_name",
            "file_size",
            "file_sha256",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, job: ReportJob) -> str | None:
        if job.status != ReportStatus.DONE:
            return None
        return reverse("api:report-download", kwargs={"pk": job.pk})


class ReportRequestSerializer(serializers.Serializer):
    """The documented fields; every other field of the body is a parameter of the kind (for
    the inventory export: the inventory's filters, e.g. ``lifecycle_stage``, ``q``)."""

    kind = serializers.CharField(help_text="Report kind, e.g. ai_system_inventory.")
    format = serializers.ChoiceField(choices=ReportFormat.choices)
    language = serializers.ChoiceField(choices=Language.choices, required=False)


def request_parameters(data: Any, exclude: set[str]) -> dict[str, Any]:
    """The body's fields other than ``exclude``; a field given several times (a form's
    multiple choice) becomes a list."""
    if hasattr(data, "lists"):
        return {k: v if len(v) > 1 else v[0] for k, v in data.lists() if k not in exclude}
    return {k: v for k, v in data.items() if k not in exclude}


def report_file_response(job: ReportJob) -> HttpResponse:
    """The job's file as a download that a browser never renders inline (streamed, or a
    presigned URL of the object store: ``aims.storage``)."""
    if job.status != ReportStatus.DONE or not job.file:
        raise Http404
    return file_download(job.file, filename=job.file_name, content_type=job.content_type)


class ReportJobViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Report jobs. ``POST`` queues one (``202``); ``GET`` follows its ``status``
    (queued → running → done or failed); ``…/download/`` serves the file to the requester
    (and, for a job rendered with full visibility, to others who see everything)."""

    policy = Policy(read=Capability.EXPORT, write=Capability.EXPORT)
    selector = staticmethod(selectors.report_jobs)
    model = ReportJob
    serializer_class = ReportJobSerializer
    filterset_fields = ["kind", "status", "format"]
    ordering = ["-created_at", "-id"]

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportJobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parameters = request_parameters(request.data, set(data.fields))
        job = report_job_create(
            actor=request.user,
            kind=data.validated_data["kind"],
            format=data.validated_data["format"],
            language=data.validated_data.get("language") or (get_language() or "ja")[:2],
            parameters=parameters,
        )
        return Response(ReportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ReportJobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        """Request a failed (or expired) report again: a new job (``202``) with the same
        request, checked as any new request is; ``400`` for a job that did not fail."""
        job = report_job_retry(actor=request.user, job=self.get_object())
        return Response(ReportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, content_type.split(";")[0]): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The rendered file (PDF, XLSX or CSV)."
            )
            for content_type in CONTENT_TYPES.values()
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        return report_file_response(self.get_object())
