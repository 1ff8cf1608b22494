from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aims.api.base import ModelSerializer
from aims.choices import TokenScope
from aims.models import ApiToken, ChangeRecord, Notification
from aims.roles import MATRIX, user_roles


def username_of(user_field: str) -> serializers.CharField:
    """The username of the user in ``user_field``, read-only; ``null`` where there is none (a
    record the platform made). Not a default: DRF leaves a field with a default out of the
    answer to a partial update (PATCH), where this key must be present as declared."""
    return serializers.CharField(source=f"{user_field}.username", read_only=True, allow_null=True)


class ChangeRecordSerializer(ModelSerializer):
    model = serializers.SerializerMethodField(help_text="Record type as app_label.model.")

    class Meta:
        model = ChangeRecord
        fields = [
            "id",
            "timestamp",
            "actor",
            "actor_username",
            "action",
            "model",
            "object_id",
            "object_repr",
            "before",
            "after",
            "source",
            "correlation_id",
            "previous_hash",
            "record_hash",
        ]
        read_only_fields = fields

    def get_model(self, obj: ChangeRecord) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"


class ApiTokenSerializer(ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    status = serializers.CharField(read_only=True, help_text="active, expired or revoked")

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "user",
            "prefix",
            "scope",
            "status",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=TokenScope.choices)
    days = serializers.IntegerField(
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        default=90,
        help_text=_("Days until the token expires."),
    )


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The token itself. Shown once; store it now."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class NotificationSerializer(ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "url", "created_at", "read_at", "read"]
        read_only_fields = fields

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    roles = serializers.SerializerMethodField()
    capabilities = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_roles(self, user: Any) -> list[str]:
        return sorted(user_roles(user))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_capabilities(self, user: Any) -> list[str]:
        roles = user_roles(user)
        return sorted(str(cap) for cap, holders in MATRIX.items() if roles & holders)
