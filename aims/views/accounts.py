"""Pages of accounts: sign-in and out, password, language and preferences, API tokens, and
the users and roles (for those who manage them)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from aims import selectors
from aims.choices import Role, RoleGrantStatus
from aims.forms.accounts import LoginForm, PreferencesForm, TokenCreateForm, UserForm
from aims.forms.base import form_errors
from aims.middleware import SESSION_LANGUAGE_KEY
from aims.models import ApiToken, RoleGrant
from aims.permissions import AUTHENTICATED, PUBLIC, Policy, PolicyViewMixin
from aims.roles import Capability
from aims.services.accounts import (
    profile_for,
    profile_update,
    role_grant_confirm,
    role_grant_refuse,
    token_create,
    token_revoke,
    user_create,
    user_set_password,
    user_update,
)
from aims.views.base import EditPageView, PageView, StepView, paginate, safe_next


class LoginView(PolicyViewMixin, auth_views.LoginView):
    policy = Policy(read=PUBLIC)
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        profile = profile_for(form.get_user())
        if profile.language:
            self.request.session[SESSION_LANGUAGE_KEY] = profile.language
            translation.activate(profile.language)
        return response


class LogoutView(PolicyViewMixin, auth_views.LogoutView):
    policy = Policy(read=AUTHENTICATED)


class PasswordChangeView(PolicyViewMixin, auth_views.PasswordChangeView):
    policy = Policy(read=AUTHENTICATED)
    template_name = "registration/password_change_form.html"

    def form_valid(self, form: Any) -> HttpResponse:
        user = self.request.user
        user_set_password(actor=user, user=user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)  # type: ignore[arg-type]
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeDoneView(PolicyViewMixin, auth_views.PasswordChangeDoneView):
    policy = Policy(read=AUTHENTICATED)
    template_name = "registration/password_change_done.html"


class SetLanguageView(PolicyViewMixin, View):
    """Switches the language: remembered in the profile (signed in) and in a cookie."""

    policy = Policy(read=PUBLIC)
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        language = request.POST.get("language", "")
        response = redirect(safe_next(request, reverse("home")))
        if language not in dict(settings.LANGUAGES):
            messages.error(request, _("Unknown language."))
            return response
        if request.user.is_authenticated:
            profile_update(user=request.user, language=language)
            request.session[SESSION_LANGUAGE_KEY] = language
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        )
        return response


class PreferencesView(PolicyViewMixin, View):
    policy = Policy(read=AUTHENTICATED)
    template_name = "aims/preferences.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        profile = profile_for(request.user)
        form = PreferencesForm(
            initial={
                "language": profile.language or translation.get_language(),
                "email_notifications": profile.email_notifications,
            }
        )
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PreferencesForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        profile_update(user=request.user, **form.cleaned_data)
        request.session[SESSION_LANGUAGE_KEY] = form.cleaned_data["language"]
        translation.activate(form.cleaned_data["language"])
        messages.success(request, _("Your preferences were saved."))
        return redirect("preferences")


class TokenListView(PageView):
    """The user's API tokens (all tokens for those who manage users); create and revoke."""

    policy = Policy(read=Capability.OWN_API_TOKENS, write=Capability.OWN_API_TOKENS)
    model = ApiToken
    selector = staticmethod(selectors.api_tokens)
    template_name = "aims/tokens.html"

    def render_page(
        self, form: TokenCreateForm, created: str = "", status: int = 200
    ) -> HttpResponse:
        context = {
            "form": form,
            "page": paginate(self.request, self.rows()),
            "created_token": created,
        }
        response = render(self.request, self.template_name, context, status=status)
        if created:
            response["Cache-Control"] = "no-store"  # the token must not be cached anywhere
        return response

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(TokenCreateForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TokenCreateForm(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        try:
            _token, raw = token_create(user=request.user, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
            return self.render_page(form, status=400)
        return self.render_page(TokenCreateForm(), created=raw)


class TokenRevokeView(StepView):
    policy = Policy(read=Capability.OWN_API_TOKENS, write=Capability.OWN_API_TOKENS)
    model = ApiToken

    def run(self, obj: ApiToken) -> None:
        token_revoke(token=obj, actor=self.request.user)
        self.done_message = _("The token “%(name)s” was revoked.") % {"name": obj.name}

    def redirect_url(self, obj: Any, result: Any) -> str:
        return reverse("tokens")


class UserListView(PolicyViewMixin, View):
    policy = Policy(read=Capability.MANAGE_USERS)
    template_name = "aims/users.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        page = paginate(request, selectors.user_list(user=request.user))
        role_labels = dict(Role.choices)
        rows = [
            (user, [role_labels[g.name] for g in user.groups.all() if g.name in role_labels])
            for user in page
        ]
        context = {
            "page": page,
            "rows": rows,
            # Requests for a role that approves or accepts, awaiting a second officer.
            "pending_grants": selectors.role_grants_pending(user=request.user),
        }
        return render(request, self.template_name, context)


class UserEditView(EditPageView):
    """Create (no ``pk``) or edit a user: contact details, roles, active flag. Accounts are
    not AIMS records: those who manage users reach every account (``selectors.user_list``)."""

    policy = Policy(read=Capability.MANAGE_USERS, write=Capability.MANAGE_USERS)
    template_name = "aims/user_form.html"
    object_name = "subject"
    success_message = gettext_lazy("The user “%(name)s” was saved.")

    def get_object_or_none(self, pk: Any) -> Any:
        if pk is None:
            return None
        return get_object_or_404(selectors.user_list(user=self.request.user), pk=pk)

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> UserForm:
        initial = {}
        if obj is not None:
            initial = {
                "username": obj.username,
                "email": obj.email,
                "first_name": obj.first_name,
                "last_name": obj.last_name,
                "is_active": obj.is_active,
                "roles": [g.name for g in obj.groups.all()],
            }
        return UserForm(data, initial=initial, instance=obj)

    def save(self, form: UserForm, obj: Any) -> Any:
        data = form.cleaned_data
        actor = self.request.user
        details = {name: data[name] for name in ("email", "first_name", "last_name")}
        if obj is None:
            user = user_create(
                actor=actor,
                username=data["username"],
                roles=data["roles"],
                password=data["password"] or None,
                **details,
            )
            if not data["is_active"]:
                user_update(actor=actor, user=user, is_active=False)
            return user
        return user_update(
            actor=actor, user=obj, roles=data["roles"], is_active=data["is_active"], **details
        )

    def success_url(self, obj: Any) -> str:
        asked = selectors.role_grants_pending(user=self.request.user).filter(
            user=obj, requested_by=self.request.user
        )
        for grant in asked:
            messages.info(
                self.request,
                _(
                    "The role “%(role)s” for %(user)s takes effect when another governance "
                    "officer confirms it."
                )
                % {"role": grant.get_role_display(), "user": obj},
            )
        return reverse("users")


class RoleGrantConfirmView(StepView):
    """A second officer confirms a pending role grant."""

    policy = Policy(read=Capability.MANAGE_USERS, write=Capability.MANAGE_USERS)
    model = RoleGrant

    def run(self, obj: RoleGrant) -> Any:
        grant = role_grant_confirm(actor=self.request.user, grant=obj)
        self.done_message = _("%(user)s now holds the role “%(role)s”.") % {
            "user": grant.user,
            "role": grant.get_role_display(),
        }
        return grant

    def redirect_url(self, obj: Any, result: Any) -> str:
        return reverse("users")


class RoleGrantRefuseView(StepView):
    """Another officer refuses a pending role grant, or the one who asked withdraws it."""

    policy = Policy(read=Capability.MANAGE_USERS, write=Capability.MANAGE_USERS)
    model = RoleGrant

    def run(self, obj: RoleGrant) -> Any:
        grant = role_grant_refuse(actor=self.request.user, grant=obj)
        self.done_message = (
            _("The role grant was withdrawn.")
            if grant.status == RoleGrantStatus.WITHDRAWN
            else _("The role grant was refused.")
        )
        return grant

    def redirect_url(self, obj: Any, result: Any) -> str:
        return reverse("users")
