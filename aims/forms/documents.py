"""Forms of documented information."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from aims.choices import DocumentKind


class DocumentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DocumentKind.choices)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    review_interval_days = forms.IntegerField(
        label=gettext_lazy("Review interval (days)"), min_value=1, required=False
    )
    next_review_on = forms.DateField(
        label=gettext_lazy("Next review"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    content = forms.CharField(
        label=gettext_lazy("Content"), required=False, widget=forms.Textarea(attrs={"rows": 14})
    )
    file = forms.FileField(label=gettext_lazy("File"), required=False)
    change_summary = forms.CharField(
        label=gettext_lazy("What changed"), max_length=300, required=False
    )
