"""Forms of the evidence pages. They collect input; the services check it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aims.forms.base import limit_system_choices
from aims.models import AISystem
from aims.people import limit_owner_fields
from aims.scope import VIEW, restrict
from aims.widgets import CheckboxGroup
from controls.models import Control

DATE = forms.DateInput(attrs={"type": "date"})


class DropZoneInput(forms.FileInput):
    """A file input inside a drop zone: a plain file input without JavaScript; with it
    (``static/js/dropzone.js``), files can be dropped onto the zone."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        field = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="dropzone" data-dropzone>{}<p class="help dropzone-hint" '
            'aria-hidden="true">{}</p></div>',
            field,
            _("or drop a file here"),
        )


class VersionFields(forms.Form):
    """What a version of evidence holds: a file or a URL, the period, validity."""

    file = forms.FileField(label=_("File"), required=False, widget=DropZoneInput)
    url = forms.URLField(
        label=_("or a link (URL)"),
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text=_("http or https only."),
    )
    effective_from = forms.DateField(
        label=_("Describes from"),
        widget=DATE,
        help_text=_("The start of the period the evidence describes (not the upload date)."),
    )
    effective_until = forms.DateField(label=_("Describes until"), required=False, widget=DATE)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DATE,
        help_text=_("After this date the evidence no longer counts. Empty: no expiry."),
    )
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)

    def version_data(self) -> dict[str, Any]:
        """The arguments of ``evidence_version_add``."""
        data = self.cleaned_data
        return {
            "file": data.get("file") or None,
            "url": data.get("url") or "",
            "effective_from": data.get("effective_from"),
            "effective_until": data.get("effective_until"),
            "valid_until": data.get("valid_until"),
            "note": data.get("note") or "",
        }


class EvidenceVersionForm(VersionFields):
    pass


class EvidenceForm(VersionFields):
    """Create (with its first version) or change evidence (then without version fields)."""

    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    ai_systems = forms.ModelMultipleChoiceField(
        label=_("AI systems"),
        required=False,
        widget=CheckboxGroup,
        queryset=AISystem.objects.none(),
        help_text=_("None: the evidence concerns the whole organisation."),
    )
    controls = forms.ModelMultipleChoiceField(
        label=_("Controls"), required=False, widget=CheckboxGroup, queryset=Control.objects.none()
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        required=False,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
    )
    review_interval_days = forms.IntegerField(
        label=_("Review interval (days)"), min_value=1, required=False
    )
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DATE)

    FIELDS = (
        "title",
        "description",
        "ai_systems",
        "controls",
        "owner",
        "review_interval_days",
        "next_review_on",
    )

    def __init__(self, *args: Any, user: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_owner_fields(self)
        limit_system_choices(self, user)
        controls = restrict(Control.objects.all(), user, VIEW).order_by("code")
        self.fields["controls"].queryset = controls  # type: ignore[attr-defined]
        if not creating:
            for name in VersionFields.base_fields:
                del self.fields[name]

    def evidence_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.FIELDS}


class EvidenceReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", pgettext_lazy("evidence review", "Accept")),
            ("reject", pgettext_lazy("evidence review", "Reject")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when rejecting."),
    )
