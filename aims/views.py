"""Pages of the core app. Thin: permissions come from the policy, reads from selectors,
writes from services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from aims import selectors, services
from aims.api.exceptions import error_body, not_found_body
from aims.choices import Role
from aims.forms import ChangeLogFilterForm, LoginForm, PreferencesForm, TokenCreateForm, UserForm
from aims.middleware import SESSION_LANGUAGE_KEY
from aims.permissions import AUTHENTICATED, PUBLIC, Policy, PolicyViewMixin
from aims.roles import MATRIX, Capability, user_roles


def paginate(request: HttpRequest, queryset: Any, per_page: int = 50) -> Any:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def form_errors(form: Any, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form fields it names (others on the form)."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


class HomeView(PolicyViewMixin, TemplateView):
    policy = Policy(read=AUTHENTICATED)
    template_name = "aims/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        roles = user_roles(user)
        context.update(
            organization=selectors.current_organization(),
            roles=[Role(code).label for code in sorted(roles)],
            capabilities=[Capability(cap).label for cap, who in MATRIX.items() if roles & who],
            recent_changes=list(selectors.change_record_list(user=user)[:10]),
            unread_count=selectors.notification_unread_count(user=user),
            conformance=selectors.conformance_summary(user=user),
            inventory=selectors.ai_system_counts(user=user),
        )
        return context


class LoginView(PolicyViewMixin, auth_views.LoginView):
    policy = Policy(read=PUBLIC)
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        profile = services.profile_for(form.get_user())
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
        services.user_set_password(
            actor=user, user=user, password=form.cleaned_data["new_password1"]
        )
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
            services.profile_update(user=request.user, language=language)
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
        profile = services.profile_for(request.user)
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
        services.profile_update(user=request.user, **form.cleaned_data)
        request.session[SESSION_LANGUAGE_KEY] = form.cleaned_data["language"]
        translation.activate(form.cleaned_data["language"])
        messages.success(request, _("Your preferences were saved."))
        return redirect("preferences")


class TokenListView(PolicyViewMixin, View):
    """The user's API tokens (all tokens for those who manage users); create and revoke."""

    policy = Policy(read=Capability.OWN_API_TOKENS, write=Capability.OWN_API_TOKENS)
    template_name = "aims/tokens.html"

    def render_page(
        self, request: HttpRequest, form: TokenCreateForm, created: str = "", status: int = 200
    ) -> HttpResponse:
        tokens = paginate(request, selectors.api_token_list(user=request.user))
        context = {"form": form, "page": tokens, "created_token": created}
        response = render(request, self.template_name, context, status=status)
        if created:
            response["Cache-Control"] = "no-store"  # the token must not be cached anywhere
        return response

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(request, TokenCreateForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TokenCreateForm(request.POST)
        if not form.is_valid():
            return self.render_page(request, form, status=400)
        try:
            _token, raw = services.token_create(
                user=request.user, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.render_page(request, form, status=400)
        return self.render_page(request, TokenCreateForm(), created=raw)


class TokenRevokeView(PolicyViewMixin, View):
    policy = Policy(read=Capability.OWN_API_TOKENS, write=Capability.OWN_API_TOKENS)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = get_object_or_404(selectors.api_token_list(user=request.user), pk=pk)
        services.token_revoke(token=token, actor=request.user)
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return redirect("tokens")


class NotificationListView(PolicyViewMixin, View):
    policy = Policy(read=AUTHENTICATED, write=AUTHENTICATED)
    template_name = "aims/notifications.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        page = paginate(request, selectors.notification_list(user=request.user))
        return render(request, self.template_name, {"page": page})

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
        services.notifications_mark_read(user=request.user, ids=ids or None)
        return redirect("notifications")


class ChangeLogView(PolicyViewMixin, View):
    """The change log, filtered by record, actor, action, source and period."""

    policy = Policy(read=Capability.SEE_RECORDS)
    template_name = "aims/changes.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ChangeLogFilterForm(request.GET or None)
        queryset = selectors.change_record_list(user=request.user)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            if data["model"]:
                app_label, _sep, model = data["model"].lower().partition(".")
                queryset = queryset.filter(
                    content_type__app_label=app_label, content_type__model=model
                )
            for name in ("object_id", "actor_username", "action", "source"):
                if data[name]:
                    queryset = queryset.filter(**{name: data[name]})
            if data["since"]:
                queryset = queryset.filter(timestamp__date__gte=data["since"])
            if data["until"]:
                queryset = queryset.filter(timestamp__date__lte=data["until"])
        page = paginate(request, queryset)
        querystring = request.GET.copy()
        querystring.pop("page", None)
        context = {"form": form, "page": page, "querystring": querystring.urlencode()}
        return render(request, self.template_name, context)


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
        return render(request, self.template_name, {"page": page, "rows": rows})


class UserEditView(PolicyViewMixin, View):
    """Create (no ``pk``) or edit a user: contact details, roles, active flag."""

    policy = Policy(read=Capability.MANAGE_USERS, write=Capability.MANAGE_USERS)
    template_name = "aims/user_form.html"

    def get_user(self, request: HttpRequest, pk: int | None) -> Any:
        if pk is None:
            return None
        return get_object_or_404(selectors.user_list(user=request.user), pk=pk)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = self.get_user(request, pk)
        initial = {}
        if user is not None:
            initial = {
                "username": user.username,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "is_active": user.is_active,
                "roles": [g.name for g in user.groups.all()],
            }
        form = UserForm(initial=initial, instance=user)
        return render(request, self.template_name, {"form": form, "subject": user})

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = self.get_user(request, pk)
        form = UserForm(request.POST, instance=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if user is None:
                    user = services.user_create(
                        actor=request.user,
                        username=data["username"],
                        email=data["email"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        roles=data["roles"],
                        password=data["password"] or None,
                    )
                    if not data["is_active"]:
                        services.user_update(actor=request.user, user=user, is_active=False)
                else:
                    services.user_update(
                        actor=request.user,
                        user=user,
                        roles=data["roles"],
                        is_active=data["is_active"],
                        email=data["email"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                    )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The user “%(name)s” was saved.") % {"name": user})
                return redirect("users")
        return render(request, self.template_name, {"form": form, "subject": user}, status=400)


class HealthView(PolicyViewMixin, View):
    """Liveness and database reachability for load balancers and compose health checks."""

    policy = Policy(read=PUBLIC)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:  # the database is down: say so, without details
            return JsonResponse({"status": "unavailable"}, status=503)
        return JsonResponse({"status": "ok"})


# --- Error pages: HTML for pages, the API's JSON shape under /api/ ---------------------------
_JSON = {"ensure_ascii": False}


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    if _wants_json(request):
        body = error_body(403, "permission_denied", _("You do not have permission to do this."))
        return JsonResponse(body, status=403, json_dumps_params=_JSON)
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    if _wants_json(request):
        return JsonResponse(not_found_body(), status=404, json_dumps_params=_JSON)
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponseBase:
    if _wants_json(request):
        body = error_body(500, "server_error", _("Something went wrong on our side."))
        return JsonResponse(body, status=500, json_dumps_params=_JSON)
    return render(
        request, "500.html", {"request_id": getattr(request, "request_id", "")}, status=500
    )


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    if _wants_json(request):
        return JsonResponse(
            error_body(400, "bad_request", _("Bad request.")), status=400, json_dumps_params=_JSON
        )
    return render(request, "400.html", status=400)
