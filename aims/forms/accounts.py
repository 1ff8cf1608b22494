"""Forms of accounts: sign-in, preferences, API tokens, users and roles."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from aims.choices import Language, Role, TokenScope
from aims.permissions import log_denial


class ThrottledLoginMixin:
    """Sign-in forms whose failures django-axes counts (``aims.login_throttle``): a refused
    sign-in of a locked-out client or username says so, in the user's language."""

    request: HttpRequest | None
    locked_out_message = _(
        "Too many failed sign-ins. Sign-in is blocked for a while; try again later or ask "
        "a governance officer."
    )

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()  # type: ignore[misc]
        except ValidationError:
            if self.request is None:
                raise
            if getattr(self.request, "axes_locked_out", False):
                log_denial(self.request, "login locked out", level=logging.WARNING)
                raise ValidationError(self.locked_out_message, code="locked_out") from None
            log_denial(self.request, "login failed", level=logging.WARNING)
            raise


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The sign-in form of the app."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin site's sign-in form: the same throttle and message as the app's."""


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    email_notifications = forms.BooleanField(
        label=_("Send me notifications by e-mail"), required=False
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. the CI pipeline.")
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices)
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=settings.API_TOKEN_MAX_DAYS, initial=90
    )


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Leave empty to create the account without a usable password."),
    )

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            self.fields["username"].disabled = True  # its value comes from initial
            self.initial.setdefault("username", instance.username)
            del self.fields["password"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if self.instance is None and get_user_model().objects.filter(username=username).exists():
            raise ValidationError(_("A user with this username exists already."))
        return username
