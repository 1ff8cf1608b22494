"""API of the AI system inventory and business units."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from aims import selectors, urns
from aims.api.base import ListCreateUpdateViewSet, ModelSerializer
from aims.api.exceptions import error_body
from aims.api.fields import OwnerField, ScopedPrimaryKeyRelatedField
from aims.choices import OrganizationRole
from aims.filters import AISystemFilter
from aims.models import AISystem, BusinessUnit, Requirement
from aims.permissions import Policy
from aims.roles import Capability
from aims.services.inventory import (
    ImportRejected,
    ai_system_create,
    ai_system_grant,
    ai_system_import,
    ai_system_retire,
    ai_system_revoke,
    ai_system_update,
)
from aims.tables import read_table


class AISystemSerializer(ModelSerializer):
    organization_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=OrganizationRole.choices),
        max_length=len(OrganizationRole.choices),
        required=False,
    )
    business_unit = ScopedPrimaryKeyRelatedField(
        queryset=BusinessUnit.objects.all(),
        required=False,
        allow_null=True,
    )
    affected_parties = ScopedPrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Requirement.objects.filter(framework__urn=urns.AFFECTED_PARTIES),
        help_text="Ids of affected-party types of the library taxonomy.",
    )
    owner = OwnerField()

    class Meta:
        model = AISystem
        fields = [
            "id",
            "name",
            "version",
            "purpose",
            "description",
            "business_unit",
            "lifecycle_stage",
            "organization_roles",
            "ai_type",
            "is_generative",
            "is_advanced",
            "eu_ai_act_tier",
            "affected_parties",
            "affected_parties_notes",
            "data_sources",
            "third_parties",
            "owner",
            "review_interval_days",
            "next_review_on",
            "retired_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["retired_at", "created_at", "updated_at"]


class GrantSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False
    )
    group = serializers.PrimaryKeyRelatedField(queryset=Group.objects.all(), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("user" in attrs) == ("group" in attrs):
            raise serializers.ValidationError(_("Give either a user or a group."))
        return attrs


class GrantsSerializer(serializers.Serializer):
    users = serializers.ListField(child=serializers.CharField())
    groups = serializers.ListField(child=serializers.CharField())


IMPORT_MAX_BYTES = 10 * 1024 * 1024


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8) or XLSX; the first row names the columns.")


class AISystemViewSet(ListCreateUpdateViewSet):
    """The AI system inventory. Systems are retired (``POST …/retire/``), never deleted.
    Operational members see and change only the systems granted to them."""

    policy = Policy(
        read=Capability.SEE_RECORDS,
        write=Capability.CHANGE_RECORDS,
        actions={
            "grant": Capability.MANAGE_USERS,
            "revoke": Capability.MANAGE_USERS,
            "grants": Capability.MANAGE_USERS,
            "import_file": Capability.CHANGE_ALL_RECORDS,
        },
    )
    selector = staticmethod(selectors.ai_systems)
    model = AISystem
    serializer_class = AISystemSerializer
    filterset_class = AISystemFilter
    search_fields = ["name", "purpose", "description"]
    ordering_fields = ["name", "lifecycle_stage", "eu_ai_act_tier", "next_review_on", "updated_at"]
    ordering = ["name", "version"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = ai_system_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = ai_system_update(
            actor=self.request.user, system=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=None, responses={200: AISystemSerializer})
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str | None = None) -> Response:
        system = ai_system_retire(actor=request.user, system=self.get_object())
        return Response(AISystemSerializer(system).data)

    @extend_schema(request=GrantSerializer, responses={200: GrantsSerializer})
    @action(detail=True, methods=["post"])
    def grant(self, request: Request, pk: str | None = None) -> Response:
        data = GrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        system = ai_system_grant(
            actor=request.user, system=self.get_object(), **data.validated_data
        )
        return Response(self._grants(system))

    @extend_schema(request=GrantSerializer, responses={200: GrantsSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        data = GrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        system = ai_system_revoke(
            actor=request.user, system=self.get_object(), **data.validated_data
        )
        return Response(self._grants(system))

    @extend_schema(responses={200: GrantsSerializer})
    @grant.mapping.get
    def grants(self, request: Request, pk: str | None = None) -> Response:
        return Response(self._grants(self.get_object()))

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={
            201: inline_serializer("AISystemImportResult", {"created": serializers.IntegerField()})
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
        """Import an inventory (CSV or XLSX, one system per row). All or nothing: any bad
        row rejects the file, and every bad row and column is listed under ``rows``."""
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise serializers.ValidationError({"file": [_("The file is larger than 10 MB.")]})
        try:
            header, rows = read_table(upload.name, upload.read())
            created = ai_system_import(actor=request.user, header=header, rows=rows)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"file": error.messages}) from None
        except ImportRejected as rejected:
            problems = _("%(count)d problems.") % {"count": len(rejected.errors)}
            message = _("The file was rejected; nothing was imported.")
            body = error_body(400, "invalid", message, {"file": [problems]})
            body["error"]["rows"] = [
                {"row": e.row, "column": e.column, "message": str(e.message)}
                for e in rejected.errors
            ]
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": len(created)}, status=status.HTTP_201_CREATED)

    @staticmethod
    def _grants(system: AISystem) -> dict[str, list[str]]:
        users, groups = selectors.ai_system_grants(system=system)
        return {"users": [u.username for u in users], "groups": [g.name for g in groups]}
