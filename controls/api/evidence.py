"""API of evidence: ``evidence/`` (+ ``{id}/versions/`` GET/POST, ``{id}/download/`` of the
current version) and ``evidence-versions/`` (+ ``{id}/review/``, ``{id}/download/``).

Integrations push evidence with ``POST evidence/`` (multipart with a ``file``, or JSON or
multipart with a ``url``) or ``POST evidence/{id}/versions/``, and may send an
``Idempotency-Key`` header: a retry with the same key and the same request answers what the
first answered (``200`` with the same ids) and creates nothing; the same key with another
request is refused (``409``), nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from aims.api.base import ListCreateUpdateViewSet, ModelSerializer, ReadOnlyViewSet
from aims.api.fields import (
    AISystemsField,
    OtherAISystemsField,
    OwnerField,
    ScopedPrimaryKeyRelatedField,
)
from aims.api.parsers import JSONParser
from aims.api.serializers import username_of
from aims.models import AISystem, ClauseAssessment
from aims.permissions import Policy
from aims.roles import Capability
from aims.scope import VIEW, restrict
from aims.storage import file_download
from controls import linking
from controls.filters.evidence import EvidenceFilter
from controls.models import (
    ApplicabilityStatement,
    Control,
    ControlTest,
    Evidence,
    EvidenceVersion,
)
from controls.selectors import evidence as selectors
from controls.services.evidence import (
    CONTENT_TYPES,
    IdempotencyConflict,
    evidence_create,
    evidence_idempotent,
    evidence_update,
    evidence_version_add,
    evidence_version_review,
    request_fingerprint,
    upload_sha256,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    name="Idempotency-Key",
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any string of 1–200 characters unique to this request. A retry with the same key "
        "and the same body answers 200 with the result of the first request and creates "
        "nothing; the same key with another body answers 409."
    ),
)
#: Kinds of record a link names (``links``: ``[{"type": …, "id": …}]``) beyond those the
#: apps register in ``controls.linking``.
DIRECT_LINK_TYPES: dict[str, type[Model]] = {
    "control": Control,
    "control_test": ControlTest,
    "soa_row": ApplicabilityStatement,
}


#: A downloaded file, in each content type evidence files are stored with (local storage:
#: streamed; an object store answers 302 instead).
FILE_ANSWERS = {
    (200, content_type): OpenApiResponse(
        response=OpenApiTypes.BINARY, description="The file (streamed from local storage)."
    )
    for content_type in sorted(set(CONTENT_TYPES.values()))
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"
    default_detail = "Conflict."


def link_model(code: str) -> type[Model] | None:
    if code in DIRECT_LINK_TYPES:
        return DIRECT_LINK_TYPES[code]
    found = linking.target(code)
    return found.model if found is not None else None


def link_code(model: type[Model]) -> str:
    for code, known in DIRECT_LINK_TYPES.items():
        if known is model:
            return code
    found = linking.target_for(model)
    return found.code if found is not None else model._meta.label_lower


class LinkSerializer(serializers.Serializer):
    type = serializers.CharField(
        max_length=40,
        help_text="control, control_test, soa_row, clause_assessment, document, risk, "
        "treatment_action or impact_assessment.",
    )
    id = serializers.IntegerField(min_value=1)


class EvidenceVersionSerializer(ModelSerializer):
    url = serializers.CharField(
        read_only=True, help_text="The link of a link version (http or https); empty for a file."
    )
    uploaded_by = username_of("uploaded_by")
    reviewed_by = username_of("reviewed_by")
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceVersion
        fields = [
            "id",
            "evidence",
            "number",
            "has_file",
            "file_name",
            "file_size",
            "file_sha256",
            "content_type",
            "url",
            "effective_from",
            "effective_until",
            "valid_until",
            "note",
            "uploaded_by",
            "review_status",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "created_at",
        ]
        read_only_fields = fields

    def get_has_file(self, obj: EvidenceVersion) -> bool:
        return bool(obj.file)


class VersionInputSerializer(serializers.Serializer):
    """A new version: a ``file`` (multipart) or a ``url``, the period it describes, validity."""

    file = serializers.FileField(required=False, allow_null=True)
    url = serializers.URLField(required=False, allow_blank=True, max_length=2000)
    effective_from = serializers.DateField(
        help_text="Start of the period the evidence describes (not the upload date)."
    )
    effective_until = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(
        required=False, allow_null=True, help_text="After this date the evidence no longer counts."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)

    VERSION_FIELDS = ("file", "url", "effective_from", "effective_until", "valid_until", "note")


class EvidenceListSerializer(serializers.ListSerializer):
    """Reads which linked records the reader may see once for the whole page."""

    def to_representation(self, data: Any) -> list[Any]:
        items = list(data.all() if hasattr(data, "all") else data)
        request = self.context.get("request")
        self.child.context["visible_links"] = selectors.visible_link_keys(
            items, getattr(request, "user", None)
        )
        return super().to_representation(items)


class EvidenceSerializer(ModelSerializer):
    owner = OwnerField()
    ai_systems = AISystemsField(
        many=True,
        required=False,
        queryset=AISystem.objects.all(),
        help_text="None: organisation-wide evidence.",
    )
    other_ai_systems = OtherAISystemsField(source="ai_systems")
    controls = ScopedPrimaryKeyRelatedField(
        many=True, required=False, queryset=Control.objects.all()
    )
    control_tests = ScopedPrimaryKeyRelatedField(
        many=True, required=False, queryset=ControlTest.objects.all()
    )
    clause_assessments = ScopedPrimaryKeyRelatedField(
        many=True, required=False, queryset=ClauseAssessment.objects.all()
    )
    soa_rows = serializers.PrimaryKeyRelatedField(
        source="applicability_statements", many=True, read_only=True
    )
    links = serializers.SerializerMethodField()
    current_version = EvidenceVersionSerializer(read_only=True, allow_null=True)
    freshness = serializers.SerializerMethodField(
        help_text="none, rejected, expired, expiring (within 30 days) or valid."
    )

    class Meta:
        model = Evidence
        list_serializer_class = EvidenceListSerializer
        fields = [
            "id",
            "title",
            "description",
            "owner",
            "ai_systems",
            "other_ai_systems",
            "controls",
            "control_tests",
            "clause_assessments",
            "soa_rows",
            "links",
            "current_version",
            "valid_until",
            "freshness",
            "review_interval_days",
            "next_review_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["valid_until", "created_at", "updated_at"]

    def get_links(self, obj: Evidence) -> list[dict[str, Any]]:
        """The linked records of other apps the reader may see (never an id hidden from
        them)."""
        visible = self.context.get("visible_links")
        if visible is None:
            request = self.context.get("request")
            visible = selectors.visible_link_keys([obj], getattr(request, "user", None))
        return [
            {"type": link_code(link.content_type.model_class()), "id": link.object_id}  # type: ignore[arg-type]
            for link in obj.links.all()
            if (link.content_type_id, link.object_id) in visible
        ]

    def get_freshness(self, obj: Evidence) -> str:
        return selectors.freshness(obj)


class EvidenceCreateSerializer(EvidenceSerializer, VersionInputSerializer):
    """New evidence with its first version and its links."""

    new_links = LinkSerializer(many=True, required=False, write_only=True, source="links_in")

    class Meta(EvidenceSerializer.Meta):
        fields = [
            *EvidenceSerializer.Meta.fields,
            *VersionInputSerializer.VERSION_FIELDS,
            "new_links",
        ]


class EvidenceCreatedSerializer(EvidenceSerializer):
    version = EvidenceVersionSerializer(read_only=True, help_text="The version created.")

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "version"]


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "reject"])
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


def _canonical(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    return value


def fingerprint_of(route: str, data: dict[str, Any]) -> str:
    """The SHA-256 of the validated request (ids for records, ISO dates, the file's SHA-256)."""
    upload = data.get("file")
    fields = {key: _canonical(value) for key, value in data.items() if key != "file"}
    if upload is not None:
        fields["file_name"] = upload.name
    return request_fingerprint(route, fields, upload_sha256(upload) if upload else "")


def once(
    request: Request, route: str, data: dict[str, Any], make: Callable[[], EvidenceVersion]
) -> tuple[EvidenceVersion, bool]:
    """``make()`` under the request's ``Idempotency-Key`` (if any)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        with transaction.atomic():
            return make(), True
    try:
        return evidence_idempotent(
            actor=request.user, key=key, fingerprint=fingerprint_of(route, data), make=make
        )
    except IdempotencyConflict as error:
        raise Conflict(" ".join(error.messages)) from None


def resolve_links(request: Request, items: list[dict[str, Any]]) -> list[Model]:
    """The records ``[{"type", "id"}]`` names, among those the user may see; any other is a
    clear error (and nothing is created)."""
    records: list[Model] = []
    for item in items:
        model = link_model(item["type"])
        if model is None:
            raise serializers.ValidationError(
                {"new_links": [_("Evidence cannot be linked to “%(type)s”.") % item]}
            )
        found = restrict(model._default_manager.all(), request.user, VIEW).filter(pk=item["id"])
        record = found.first()
        if record is None:
            raise serializers.ValidationError(
                {"new_links": [_("There is no %(type)s %(id)s that you may see.") % item]}
            )
        records.append(record)
    return records


class EvidenceViewSet(ListCreateUpdateViewSet):
    """Evidence (7.5, 8.1, 9.1) with its current version and links. Operational members
    manage the evidence of their granted AI systems; organisation-wide evidence is the
    officer's. Filters: ``expired``, ``expiring`` (within 30 days), ``unreviewed``,
    ``ai_system``, ``control``, ``owner``, ``q``."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_RECORDS)
    selector = staticmethod(selectors.evidence_for_api)
    model = Evidence
    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilter
    search_fields = ["title", "description"]
    ordering_fields = ["title", "valid_until", "updated_at"]
    ordering = ["title", "id"]
    #: A file comes with a new piece of evidence or a new version; every other body is JSON.
    UPLOAD_ACTIONS = ("create", "add_version")

    def get_parsers(self) -> list[Any]:
        action = getattr(self, "action", None)
        if action is None:  # before DRF names the action: from the route and the method
            method = (getattr(getattr(self, "request", None), "method", "") or "").lower()
            action = getattr(self, "action_map", {}).get(method)
        if action in self.UPLOAD_ACTIONS:
            return [JSONParser(), MultiPartParser()]
        return [JSONParser()]

    def _answer(self, evidence_id: int, version: EvidenceVersion | None, created: bool) -> Response:
        evidence = self.base_queryset().get(pk=evidence_id)
        data = EvidenceCreatedSerializer(evidence, context=self.get_serializer_context()).data
        if version is not None:
            data["version"] = EvidenceVersionSerializer(version).data
        headers = {} if created else {"Idempotent-Replayed": "true"}
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(data, status=code, headers=headers)

    @extend_schema(
        parameters=[IDEMPOTENCY_HEADER],
        request={
            "multipart/form-data": EvidenceCreateSerializer,
            "application/json": EvidenceCreateSerializer,
        },
        responses={
            201: EvidenceCreatedSerializer,
            200: OpenApiResponse(
                EvidenceCreatedSerializer,
                description="A retry with the same Idempotency-Key: the first answer, nothing "
                "created.",
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """New evidence with its first version (a ``file`` or a ``url``) and ``new_links``."""
        serializer = EvidenceCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        links = resolve_links(request, data.pop("links_in", []))
        version_data = {
            name: data.pop(name) for name in VersionInputSerializer.VERSION_FIELDS if name in data
        }
        fingerprint_data = {
            **data,
            **version_data,
            "links": [(type(r).__name__, r.pk) for r in links],
        }

        def make() -> EvidenceVersion:
            evidence = evidence_create(
                actor=request.user, links=links, version=version_data, **data
            )
            assert evidence.current_version is not None
            return evidence.current_version

        version, created = once(request, "evidence", fingerprint_data, make)
        return self._answer(version.evidence_id, version, created)

    def perform_update(self, serializer: Any) -> None:
        evidence_update(
            actor=self.request.user, evidence=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.base_queryset().get(pk=serializer.instance.pk)

    @extend_schema(
        operation_id="evidence_versions_of_evidence",
        responses={200: EvidenceVersionSerializer(many=True)},
        description="The versions of the evidence, newest first (paginated).",
    )
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        evidence = self.get_object()
        rows = selectors.evidence_versions().filter(evidence=evidence).order_by("-number")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(EvidenceVersionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="evidence_versions_add",
        parameters=[IDEMPOTENCY_HEADER],
        request={
            "multipart/form-data": VersionInputSerializer,
            "application/json": VersionInputSerializer,
        },
        responses={201: EvidenceVersionSerializer, 200: EvidenceVersionSerializer},
        description="Add a version (a file or a URL); the earlier ones stay as they were. "
        "With an Idempotency-Key, a retry answers 200 with the version made the first time.",
    )
    @versions.mapping.post
    def add_version(self, request: Request, pk: str | None = None) -> Response:
        evidence = self.get_object()
        data = VersionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)

        def make() -> EvidenceVersion:
            return evidence_version_add(actor=request.user, evidence=evidence, **values)

        version, created = once(request, f"evidence/{evidence.pk}/versions", values, make)
        headers = {} if created else {"Idempotent-Replayed": "true"}
        version = selectors.evidence_versions().get(pk=version.pk)
        return Response(
            EvidenceVersionSerializer(version).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers=headers,
        )

    @extend_schema(
        responses={
            **FILE_ANSWERS,
            302: OpenApiResponse(
                description="Object storage: a presigned URL valid for a short time; a link "
                "version: its URL."
            ),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The current version's file (or a redirect to its URL)."""
        evidence = self.get_object()
        if evidence.current_version is None:
            raise Http404
        return version_download(evidence.current_version)


def version_download(version: EvidenceVersion) -> HttpResponse:
    if version.url:
        return HttpResponseRedirect(version.url)
    return file_download(
        version.file, filename=version.file_name, content_type=version.content_type
    )


class EvidenceVersionViewSet(ReadOnlyViewSet):
    """Versions of evidence (filter ``evidence``, ``review_status``), their review and files."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.SEE_RECORDS)
    selector = staticmethod(selectors.evidence_versions)
    model = EvidenceVersion
    serializer_class = EvidenceVersionSerializer
    filterset_fields = ["evidence", "review_status"]
    ordering = ["evidence_id", "-number"]

    @extend_schema(request=ReviewSerializer, responses={200: EvidenceVersionSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Accept or reject a submitted version: by the evidence's owner or an approver, never
        by its uploader; a rejection needs a ``comment``."""
        version = self.get_object()
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence_version_review(
            actor=request.user,
            version=version,
            accepted=data.validated_data["decision"] == "accept",
            comment=data.validated_data.get("comment", ""),
        )
        return Response(EvidenceVersionSerializer(self.base_queryset().get(pk=version.pk)).data)

    @extend_schema(
        responses={
            **FILE_ANSWERS,
            302: OpenApiResponse(
                description="Object storage: a short-lived presigned URL; a link version: its URL."
            ),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        return version_download(self.get_object())


ROUTES: list[tuple[str, Any, str]] = [
    ("evidence", EvidenceViewSet, "evidence"),
    ("evidence-versions", EvidenceVersionViewSet, "evidence-version"),
]
