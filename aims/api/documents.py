"""API of documented information: ``documents/`` with the workflow steps ``submit/``,
``approve/`` and ``return/`` (``aims.api.approval``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from aims import selectors
from aims.api.approval import approval_actions, approval_policy
from aims.api.base import ListCreateUpdateViewSet
from aims.api.serializers import username_of
from aims.models import Document, DocumentVersion
from aims.roles import Capability
from aims.services.documents import document_create, document_edit, latest_version


class DocumentVersionSerializer(serializers.ModelSerializer):
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


class DocumentSerializer(serializers.ModelSerializer):
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


class DocumentUploadSerializer(DocumentSerializer):
    """A document's fields with a file for the draft version: the body as
    ``multipart/form-data``."""

    file = serializers.FileField(
        write_only=True, required=False, help_text="A file for the draft version."
    )

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "file"]


#: A document is written as JSON, or as multipart with a file for its draft version.
WRITE_BODIES = {
    "application/json": DocumentSerializer,
    "multipart/form-data": DocumentUploadSerializer,
}


@extend_schema_view(
    create=extend_schema(request=WRITE_BODIES, responses={201: DocumentSerializer}),
    update=extend_schema(request=WRITE_BODIES, responses={200: DocumentSerializer}),
    partial_update=extend_schema(request=WRITE_BODIES, responses={200: DocumentSerializer}),
)
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
    upload_actions = frozenset({"create", "update", "partial_update"})

    def get_serializer_class(self) -> type[serializers.Serializer]:
        request = getattr(self, "request", None)
        if request is not None and request.content_type.startswith("multipart/"):
            return DocumentUploadSerializer
        return DocumentSerializer

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
