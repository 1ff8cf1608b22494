"""Forms of the AI system inventory: a system, access grants, the import file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import OrganizationRole, group_label
from aims.models import AISystem
from aims.people import PersonChoiceField, limit_owner_fields
from aims.services.inventory import AI_SYSTEM_FIELDS, affected_party_choices


class AISystemForm(forms.ModelForm):
    organization_roles = forms.MultipleChoiceField(
        label=gettext_lazy("The organisation's roles"),
        choices=OrganizationRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = AISystem
        fields = [f for f in AI_SYSTEM_FIELDS if f != "owner"] + ["owner", "affected_parties"]
        widgets = {
            "next_review_on": forms.DateInput(attrs={"type": "date"}),
            "affected_parties": forms.CheckboxSelectMultiple,
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "data_sources": forms.Textarea(attrs={"rows": 3}),
            "third_parties": forms.Textarea(attrs={"rows": 3}),
            "affected_parties_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["affected_parties"].queryset = affected_party_choices()  # type: ignore[attr-defined]
        limit_owner_fields(self)
        stage = self.fields["lifecycle_stage"]
        stage.choices = [c for c in stage.choices if c[0] != "retired"]  # type: ignore[attr-defined]


class GroupChoiceField(forms.ModelChoiceField):
    """Groups by their label: a role's group reads as the role, not as its code."""

    def label_from_instance(self, obj: Any) -> str:
        return group_label(obj.name)


class GrantForm(forms.Form):
    user = PersonChoiceField(  # people by name, the username on hover elsewhere
        label=gettext_lazy("User"),
        required=False,
        queryset=get_user_model()
        .objects.filter(is_active=True)
        .order_by("last_name", "first_name", "username"),
    )
    group = GroupChoiceField(
        label=gettext_lazy("Group"), required=False, queryset=Group.objects.order_by("name")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("user")) == bool(data.get("group")):
            raise ValidationError(_("Choose either a user or a group."))
        return data


class InventoryImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Inventory file (CSV or XLSX)"))
