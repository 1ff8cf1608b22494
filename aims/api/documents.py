"""API of documented information: ``documents/`` (JSON) with the workflow steps ``submit/``,
``approve/`` and ``return/`` (``aims.api.approval``), and ``file/``, the upload of the draft
version's file (multipart)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from aims import selectors
from aims.api.approval import approval_actions, approval_policy
from aims.api.base import ListCreateUpdateViewSet, ModelSerializer
from aims.api.fields import OwnerField
from aims.api.serializers import username_of
from aims.models import Document, DocumentVersion
from aims.roles import Capability
from aims.services.documents import document_create, document_edit, latest_version


class DocumentVersionSerializer(ModelSerializer):
    author = username_of("author")
    approved_by = username_of("approved_by")
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "number",
            "status",
            "content",
            "change_summary",
            "file_name",
            "file_size",
            "file_sha256",
            "has_file",
            "author",
            "created_at",
            "submitted_at",
            "approved_by",
            "approved_at",
            "review_comment",
        ]
        read_only_fields = fields

    def get_has_file(self, obj: DocumentVersion) -> bool:
        return bool(obj.file)


class DocumentSerializer(ModelSerializer):
    versions = DocumentVersionSerializer(many=True, read_only=True)
    content = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Text of the new or current draft version.",
    )
    change_summary = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=300
    )
    owner = OwnerField()

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "kind",
            "description",
            "owner",
            "review_interval_days",
            "next_review_on",
            "content",
            "change_summary",
            "versions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class DocumentFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The file of the draft version (replaces its file).")
    change_summary = serializers.CharField(required=False, allow_blank=True, max_length=300)


class DocumentViewSet(approval_actions(DocumentSerializer), ListCreateUpdateViewSet):
    """Documents (AI policy 5.2, procedures, records 7.5) and their versions. Editing an
    approved document starts a new draft version; the approved one stays frozen. The workflow
    steps act on the document's latest version."""

    policy = approval_policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    selector = staticmethod(selectors.documents)
    model = Document
    serializer_class = DocumentSerializer
    filterset_fields = ["kind"]
    search_fields = ["title", "description"]
    ordering = ["kind", "title"]

    def approval_target(self, obj: Document) -> DocumentVersion:
        latest = latest_version(obj)
        assert latest is not None  # a document is created with its first version
        return latest

    def perform_create(self, serializer: Any) -> None:
        serializer.validated_data.pop("change_summary", None)
        serializer.instance = document_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        document_edit(
            actor=self.request.user, document=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.base_queryset().get(pk=serializer.instance.pk)

    @extend_schema(
        request={"multipart/form-data": DocumentFileSerializer},
        responses={200: DocumentSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="file",
        url_name="file",
        parser_classes=[MultiPartParser],
    )
    def attach_file(self, request: Request, pk: str | None = None) -> Response:
        """Attach a file to the document's draft version (multipart). As any edit: an
        approved document gets a new draft carrying its content forward; a version in review
        cannot change."""
        document = self.get_object()
        data = DocumentFileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document_edit(actor=request.user, document=document, **data.validated_data)
        return Response(self.get_serializer(self.base_queryset().get(pk=document.pk)).data)
