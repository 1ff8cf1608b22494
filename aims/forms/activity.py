"""Forms of the change log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from aims.choices import Action, ChangeSource
from aims.people import person_name
from aims.widgets import FastSelect


def record_type_choices() -> list[tuple[str, str]]:
    """The types of record the log names, by their names in the reader's language (the value
    stays ``app_label.model``, as links and the API write it)."""
    choices = [
        (model._meta.label_lower, capfirst(str(model._meta.verbose_name)))
        for model in apps.get_models()
        if getattr(model, "SCOPE", None) is not None
        and model._meta.label_lower != "aims.changerecord"
    ]
    return [("", str(_("Any"))), *sorted(choices, key=lambda choice: choice[1])]


class ChangeLogFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("Record type"), required=False)
    object_id = forms.CharField(label=_("Record id"), required=False)
    #: The parameter stays the username the log stores (also of people deleted since); the
    #: choice shows people by name, searchable.
    actor_username = forms.CharField(
        label=_("Actor"),
        required=False,
        widget=FastSelect(attrs={"data-search-label": _("Search the choices")}),
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any")), *Action.choices], required=False
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("Any")), *ChangeSource.choices], required=False
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = record_type_choices()  # type: ignore[attr-defined]
        people = [
            (user.get_username(), person_name(user))
            for user in get_user_model().objects.order_by("last_name", "first_name", "username")
        ]
        chosen = self.data.get("actor_username") if self.is_bound else None
        if chosen and chosen not in {username for username, _name in people}:
            people.append((chosen, chosen))  # someone no longer in the user list
        self.fields["actor_username"].widget.choices = [("", _("Any")), *people]

    def clean_model(self) -> str:
        return str(self.cleaned_data.get("model") or "").lower()
