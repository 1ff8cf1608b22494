from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aims.forms.accounts import AdminLoginForm
from aims.models import ApiToken, ChangeRecord, Notification, Organization

# Sign-in to the admin site goes through the login throttle too, with its lockout message.
admin.site.login_form = AdminLoginForm


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that only shows: the records change through services, with change records."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    """The change log has no update or delete path, also not here."""

    list_display = ["id", "timestamp", "actor_username", "action", "content_type", "object_repr"]
    list_filter = ["action", "source", "content_type"]
    search_fields = ["object_repr", "actor_username", "correlation_id"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are created and revoked in the app and the API, not here."""

    list_display = ["name", "user", "prefix", "scope", "expires_at", "revoked_at"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "subject", "created_at", "read_at"]


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    """The organisation is a governed record: it changes through services only."""

    list_display = ["name", "name_ja"]
