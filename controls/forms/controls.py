"""Forms of the controls pages. They collect input; the services validate it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.forms.base import limit_system_choices
from aims.models import AISystem, Requirement
from aims.people import PersonChoiceField, limit_owner_fields
from aims.widgets import CheckboxGroup, FastSelect
from controls.choices import ControlStatus, ControlType, TestMethod, TestResult
from controls.models import Control
from controls.services.controls import START_STATUSES, TRANSITIONS, linkable_requirements


class ControlForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("The organisation's identifier, e.g. CTL-001.")
    )
    name = forms.CharField(label=_("Name"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    control_type = forms.ChoiceField(label=_("Type"), choices=ControlType.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ControlStatus.choices)
    ai_systems = forms.ModelMultipleChoiceField(
        label=_("AI systems"),
        required=False,
        widget=CheckboxGroup,
        queryset=AISystem.objects.none(),
        help_text=_("The AI systems the control covers. None: the whole organisation."),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        required=False,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
    )
    test_interval_days = forms.IntegerField(
        label=_("Test interval (days)"),
        min_value=1,
        required=False,
        help_text=_("How often the control's effectiveness is tested. Empty: not periodically."),
    )
    review_interval_days = forms.IntegerField(
        label=_("Review interval (days)"), min_value=1, required=False
    )
    next_review_on = forms.DateField(
        label=_("Next review"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, control: Control | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_owner_fields(self)
        limit_system_choices(self, user)
        if control is None:
            allowed = set(START_STATUSES)
        else:
            allowed = {control.status, *TRANSITIONS.get(control.status, set())}
            # Retiring is its own step on the control's page.
            allowed.discard(ControlStatus.RETIRED)
            allowed.add(control.status)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (code, label) for code, label in ControlStatus.choices if code in allowed
        ]


class RequirementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Requirement) -> str:
        return f"{obj.framework.ref_id} · {obj.ref_id} {obj.name}"


class RequirementLinkForm(forms.Form):
    """One requirement the control satisfies, with a note on how."""

    requirement = RequirementChoiceField(
        label=_("Requirement"),
        required=False,
        queryset=Requirement.objects.none(),
        widget=FastSelect(attrs={"data-search-label": _("Search the choices")}),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requirement"].queryset = linkable_requirements()  # type: ignore[attr-defined]


RequirementLinkFormSet = forms.formset_factory(
    RequirementLinkForm, extra=3, can_delete=True, max_num=500, validate_max=True
)


def requirement_links(formset: Any) -> list[tuple[Requirement, str]]:
    """The (requirement, note) pairs a valid formset keeps (rows without a requirement and
    rows marked for removal left out)."""
    links = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or data.get("requirement") is None:
            continue
        links.append((data["requirement"], data.get("note", "")))
    return links


class ControlTestForm(forms.Form):
    tested_on = forms.DateField(
        label=_("Tested on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    tester = PersonChoiceField(
        label=_("Tester"),
        required=False,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
    )
    method = forms.ChoiceField(label=_("Method"), choices=TestMethod.choices)
    result = forms.ChoiceField(label=_("Result"), choices=TestResult.choices)
    findings = forms.CharField(
        label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("tested_on", timezone.localdate())
        super().__init__(*args, **kwargs)
