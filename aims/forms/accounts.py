"""Forms of accounts: sign-in, preferences, API tokens, users and roles."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aims import throttle
from aims.choices import Language, Role, TokenScope
from aims.permissions import log_denial


class LoginForm(AuthenticationForm):
    """The login form with throttling: too many failures lock the username (and address)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": _(
            "Too many failed sign-ins. Sign-in is blocked for a while; try again later or ask "
            "a governance officer."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if self.request is not None and username and throttle.is_locked_out(self.request, username):
            log_denial(self.request, "login locked out")
            raise ValidationError(self.error_messages["locked_out"], code="locked_out")
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.request is not None and username:
                throttle.record_failure(self.request, username)
                log_denial(self.request, "login failed")
            raise
        if self.request is not None:
            throttle.reset(self.request, username)
        return cleaned


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
