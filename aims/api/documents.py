"""API of documented information: ``documents/`` with ``submit/``, ``approve/``, ``return/``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims import selectors, services
from aims.api.base import ListCreateUpdateViewSet
from aims.models import Document, DocumentVersion
from aims.permissions import Policy
from aims.roles import Capability


class DocumentVersionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, default=None)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, default=None)
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
    file = serializers.FileField(
        write_only=True, required=False, help_text="A file for the draft version (multipart)."
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
            "file",
            "change_summary",
            "versions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(help_text="What needs to change.")


class DocumentViewSet(ListCreateUpdateViewSet):
    """Documents (AI policy 5.2, procedures, records 7.5) and their versions. Editing an
    approved document starts a new draft version; the approved one stays frozen."""

    policy = Policy(
        read=Capability.SEE_RECORDS,
        write=Capability.CHANGE_ALL_RECORDS,
        actions={"approve": Capability.APPROVE, "return_version": Capability.APPROVE},
    )
    selector = staticmethod(selectors.document_list)
    model = Document
    serializer_class = DocumentSerializer
    filterset_fields = ["kind"]
    search_fields = ["title", "description"]
    ordering = ["kind", "title"]

    def perform_create(self, serializer: Any) -> None:
        serializer.validated_data.pop("change_summary", None)
        serializer.instance = services.document_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        services.document_edit(
            actor=self.request.user, document=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def _step(self, request: Request, step: Any, **kwargs: Any) -> Response:
        document = self.get_object()
        try:
            step(actor=request.user, document=document, **kwargs)
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                error.message_dict
                if hasattr(error, "error_dict")
                else {"non_field_errors": error.messages}
            ) from None
        fresh = self.get_queryset().get(pk=document.pk)
        return Response(DocumentSerializer(fresh).data, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses={200: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, services.document_submit)

    @extend_schema(request=None, responses={200: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, services.document_approve)

    @extend_schema(request=ReturnSerializer, responses={200: DocumentSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_version(self, request: Request, pk: str | None = None) -> Response:
        data = ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._step(request, services.document_return, **data.validated_data)
