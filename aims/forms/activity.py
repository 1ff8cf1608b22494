"""Forms of the change log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from aims.choices import Action, ChangeSource


def record_type_choices() -> list[tuple[str, str]]:
    """The types of record the log names, by their names in the reader's language (the value
    stays ``app_label.model``, as links and the API write it)."""
    choices = [
        (model._meta.label_lower, capfirst(str(model._meta.verbose_name)))
        for model in apps.get_models()
        if getattr(model, "SCOPE", None) is not None
        and model._meta.label_lower != "aims.changerecord"
    ]
    return [("", "—"), *sorted(choices, key=lambda choice: choice[1])]


class ChangeLogFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("Record type"), required=False)
    object_id = forms.CharField(label=_("Record id"), required=False)
    actor_username = forms.CharField(label=_("Actor (username)"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", "—"), *Action.choices], required=False
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", "—"), *ChangeSource.choices], required=False
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

    def clean_model(self) -> str:
        return str(self.cleaned_data.get("model") or "").lower()
