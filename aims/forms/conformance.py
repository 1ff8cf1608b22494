"""Forms of clause conformance."""

from __future__ import annotations

from typing import Any

from django import forms

from aims.models import ClauseAssessment
from aims.people import limit_owner_fields
from aims.widgets import CheckboxGroup


class ClauseAssessmentForm(forms.ModelForm):
    class Meta:
        model = ClauseAssessment
        fields = ["status", "owner", "notes", "not_applicable_reason", "documents"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 5}),
            "not_applicable_reason": forms.Textarea(attrs={"rows": 2}),
            "documents": CheckboxGroup,  # searchable once there are many documents
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_owner_fields(self)
