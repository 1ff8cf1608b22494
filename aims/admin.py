from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from aims.changelog import change_record
from aims.choices import Action, Role
from aims.forms.accounts import AdminLoginForm
from aims.models import ApiToken, ChangeRecord, Notification, Organization
from aims.services.accounts import user_change_check, user_snapshot, user_update

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


# --- Accounts: the same rules as the users page ---------------------------------------------
User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts in the admin. Staff who are not superusers only look: roles, flags and
    passwords change on the users page, where the four-eyes rules hold. A superuser's changes
    go through the same services (``user_change_check``, ``user_update``): nobody changes
    their own roles, the last active governance officer stays one, and every change is
    written to the change log."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are deactivated, never deleted: the change log names them

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or "groups" not in form.base_fields:
            return form
        actor = request.user

        class CheckedForm(form):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                roles = _roles_of(cleaned.get("groups") or [])
                try:
                    user_change_check(
                        actor=actor, user=obj, roles=roles, is_active=cleaned.get("is_active")
                    )
                except ValidationError as error:
                    raise forms.ValidationError(error.messages) from None
                return cleaned

        return CheckedForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            change_record(
                actor=request.user, action=Action.CREATE, obj=obj, after=user_snapshot(obj)
            )
            return
        stored = User.objects.get(pk=obj.pk)
        user_update(
            actor=request.user,
            user=stored,
            is_active=obj.is_active,
            email=obj.email,
            first_name=obj.first_name,
            last_name=obj.last_name,
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not change or "groups" not in form.cleaned_data:  # the add form has no roles
            super().save_related(request, form, formsets, change)
            return
        user = form.instance
        wanted = _roles_of(form.cleaned_data.get("groups") or [])
        # Role groups change through the service; other groups as the form says.
        current_roles = Group.objects.filter(user=user, name__in=Role.values)
        others = [g for g in form.cleaned_data.get("groups") or [] if g.name not in Role.values]
        form.cleaned_data["groups"] = [*others, *current_roles]
        super().save_related(request, form, formsets, change)
        user_update(actor=request.user, user=User.objects.get(pk=user.pk), roles=wanted)


def _roles_of(groups: Any) -> set[str]:
    return {group.name for group in groups if group.name in Role.values}


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """Roles are groups named by their code, created by a migration: renaming one would give
    or take a role from everyone in it, so only a superuser changes groups here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and (obj is None or obj.name not in Role.values)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and (obj is None or obj.name not in Role.values)
