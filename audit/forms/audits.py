"""Forms of the audits part: programmes, audits, checklist rows, findings, external auditors'
access, impartiality confirmations and report issue. They only clean input; the services
decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from aims.choices import Role
from aims.models import AISystem, Requirement
from aims.people import PersonChoiceField
from aims.scope import VIEW, restrict
from audit.choices import ChecklistResult, FindingKind

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 3})


def _people(role: str) -> Any:
    return get_user_model().objects.filter(is_active=True, groups__name=role).order_by("username")


class ProgrammeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=300)
    period_start = forms.DateField(label=_("Period from"), widget=DATE)
    period_end = forms.DateField(label=_("Period until"), widget=DATE)
    objectives = forms.CharField(label=_("Objectives"), required=False, widget=TEXT)
    criteria = forms.CharField(label=_("Criteria"), required=False, widget=TEXT)
    frequency = forms.CharField(label=_("Frequency"), required=False, widget=TEXT)
    methods = forms.CharField(label=_("Methods"), required=False, widget=TEXT)
    responsibilities = forms.CharField(label=_("Responsibilities"), required=False, widget=TEXT)
    previous_results = forms.CharField(
        label=_("Results of previous audits considered"), required=False, widget=TEXT
    )


class AuditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    owner = PersonChoiceField(label=_("Lead auditor"), queryset=get_user_model().objects.none())
    team = forms.ModelMultipleChoiceField(
        label=_("Audit team"), queryset=get_user_model().objects.none(), required=False
    )
    ai_systems = forms.ModelMultipleChoiceField(
        label=_("AI systems sampled"), queryset=AISystem.objects.none(), required=False
    )
    requirements = forms.ModelMultipleChoiceField(
        label=_("Requirements in scope"),
        queryset=Requirement.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    scope_description = forms.CharField(label=_("Scope"), required=False, widget=TEXT)
    criteria = forms.CharField(label=_("Criteria"), required=False, widget=TEXT)
    method = forms.CharField(label=_("Method"), required=False, widget=TEXT)
    period_start = forms.DateField(label=_("Audit period from"), widget=DATE)
    period_end = forms.DateField(label=_("Audit period until"), widget=DATE)
    fieldwork_start = forms.DateField(label=_("Fieldwork from"), required=False, widget=DATE)
    fieldwork_end = forms.DateField(label=_("Fieldwork until"), required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        auditors = _people(Role.INTERNAL_AUDITOR)
        self.fields["owner"].queryset = auditors  # type: ignore[attr-defined]
        self.fields["team"].queryset = auditors  # type: ignore[attr-defined]
        self.fields["ai_systems"].queryset = restrict(  # type: ignore[attr-defined]
            AISystem.objects.order_by("name"), user, VIEW
        )
        self.fields["requirements"].queryset = (
            Requirement.objects.filter(  # type: ignore[attr-defined]
                assessable=True, withdrawn=False
            )
            .select_related("framework")
            .order_by("framework_id", "order")
        )


class ChecklistRowForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=ChecklistResult.choices)
    sample = forms.CharField(label=_("Items sampled"), required=False, widget=TEXT)
    notes = forms.CharField(label=_("Notes"), required=False, widget=TEXT)


class FindingForm(forms.Form):
    requirement = forms.ModelChoiceField(
        label=_("Requirement"), queryset=Requirement.objects.none()
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=FindingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), widget=TEXT)
    evidence_versions = forms.ModelMultipleChoiceField(
        label=_("Evidence seen"), queryset=Requirement.objects.none(), required=False
    )
    evidence_notes = forms.CharField(label=_("Other evidence seen"), required=False, widget=TEXT)

    def __init__(self, *args: Any, audit: Any = None, user: Any = None, **kwargs: Any) -> None:
        from audit.selectors.audits import citable_versions

        super().__init__(*args, **kwargs)
        self.fields["requirement"].queryset = audit.requirements.order_by(  # type: ignore[attr-defined]
            "framework_id", "order"
        )
        versions = self.fields["evidence_versions"]
        versions.queryset = citable_versions(audit, user)  # type: ignore[attr-defined]
        versions.label_from_instance = lambda v: f"{v.evidence.title} v{v.number}"  # type: ignore[attr-defined]


class AccessForm(forms.Form):
    user = PersonChoiceField(label=_("External auditor"), queryset=get_user_model().objects.none())
    access_from = forms.DateTimeField(
        label=_("Access from"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    access_until = forms.DateTimeField(
        label=_("Access until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _people(Role.EXTERNAL_AUDITOR)  # type: ignore[attr-defined]


class ConfirmForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=TEXT)


class IssueReportForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), required=False, widget=TEXT)
    conclusions = forms.CharField(label=_("Conclusions"), required=False, widget=TEXT)
    revision_reason = forms.CharField(
        label=_("Reason for the revision"), required=False, widget=TEXT
    )
