"""The evidence pack request form. Its choices of AI systems and audits are the requester's;
the service (``audit.services.packs``) validates the request again, whole."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aims.choices import Language
from aims.models import AISystem
from aims.scope import restrict
from audit.choices import PackPreset, PackSection
from audit.models import Audit


class EvidencePackForm(forms.Form):
    ai_systems = forms.ModelMultipleChoiceField(
        label=_("AI systems"),
        queryset=AISystem.objects.none(),
        required=False,
        help_text=_("Leave empty for every AI system you see."),
        widget=forms.CheckboxSelectMultiple,
    )
    period_from = forms.DateField(label=_("Period from"), widget=forms.DateInput({"type": "date"}))
    period_to = forms.DateField(label=_("Period until"), widget=forms.DateInput({"type": "date"}))
    preset = forms.ChoiceField(label=_("Preset"), choices=PackPreset.choices)
    sections = forms.MultipleChoiceField(
        label=_("Sections"),
        choices=PackSection.choices,
        required=False,
        help_text=_("Only with the preset “Chosen sections”."),
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    audit = forms.ModelChoiceField(
        label=_("Audit"),
        queryset=Audit.objects.none(),
        required=False,
        help_text=_("The audit the pack is for (an external auditor's pack always is)."),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("language", (get_language() or "ja")[:2])
        super().__init__(*args, **kwargs)
        systems = restrict(AISystem.objects.order_by("name"), user)
        self.fields["ai_systems"].queryset = systems  # type: ignore[attr-defined]
        audits = restrict(Audit.objects.order_by("-period_end", "title"), user)
        self.fields["audit"].queryset = audits  # type: ignore[attr-defined]

    def parameters(self) -> dict[str, Any]:
        """The request as the service reads it."""
        data = self.cleaned_data
        return {
            "ai_systems": [str(s.pk) for s in data["ai_systems"]],
            "period_from": data["period_from"].isoformat(),
            "period_to": data["period_to"].isoformat(),
            "preset": data["preset"],
            "sections": list(data["sections"]),
            "audit": str(data["audit"].pk) if data.get("audit") else "",
        }
