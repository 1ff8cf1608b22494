"""Forms of the organisation's context and objectives."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from aims.models import ObjectiveResult
from aims.people import limit_owner_fields
from aims.services.records import EDITABLE


class RecordForm(forms.ModelForm):
    """The base of the simple records' forms: an owner is picked among those who may own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_owner_fields(self)


def record_form(model: type[models.Model]) -> type[forms.ModelForm]:
    """A form of the fields the services let change on ``model`` (long texts as areas)."""
    widgets = {
        name: forms.Textarea(attrs={"rows": 4})
        for name in EDITABLE[model]
        if isinstance(model._meta.get_field(name), models.TextField)
    }
    return forms.modelform_factory(model, form=RecordForm, fields=EDITABLE[model], widgets=widgets)


class ObjectiveResultForm(forms.ModelForm):
    class Meta:
        model = ObjectiveResult
        fields = ["measured_on", "value", "notes"]
        widgets = {
            "measured_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
