from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aims.models import ApiToken, ChangeRecord, Notification, Organization


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    """Read-only: the change log has no update or delete path, also not here."""

    list_display = ["id", "timestamp", "actor_username", "action", "content_type", "object_repr"]
    list_filter = ["action", "source", "content_type"]
    search_fields = ["object_repr", "actor_username", "correlation_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created and revoked through the app (with change records), not here."""

    list_display = ["name", "user", "prefix", "scope", "expires_at", "revoked_at"]
    readonly_fields = [f.name for f in ApiToken._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "subject", "created_at", "read_at"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "name_ja"]
    readonly_fields = ["name", "name_ja", "description", "owner"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
