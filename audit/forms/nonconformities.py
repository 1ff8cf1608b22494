"""Forms of the nonconformity pages: raise, respond, a corrective action, verify, reopen."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from aims.models import AISystem, Requirement
from aims.people import PersonChoiceField
from aims.roles import Capability, roles_with
from aims.scope import VIEW, restrict
from aims.widgets import CheckboxGroup, FastSelect
from audit.choices import (
    ActionStatus,
    CauseCategory,
    NonconformitySource,
    Severity,
    VerificationResult,
)
from audit.services.nonconformities import OFFICER_SOURCES, may_raise

DATE = forms.DateInput(attrs={"type": "date"})


def responders() -> QuerySet[Any]:
    """Active people who may own a nonconformity or an action: operational members,
    internal auditors and officers."""
    User = get_user_model()
    roles = (
        roles_with(Capability.RESPOND_TO_NONCONFORMITIES)
        | roles_with(Capability.MANAGE_AUDITS)
        | roles_with(Capability.CHANGE_ALL_RECORDS)
    )
    member = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name__in=roles)
    return User.objects.filter(Exists(member), is_active=True).order_by(
        "last_name", "first_name", "username"
    )


class NonconformityForm(forms.Form):
    """Raise a nonconformity (an auditor or the officer), or change one (``instance``)."""

    source = forms.ChoiceField(label=_("Source"), choices=NonconformitySource.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    requirement = forms.ModelChoiceField(
        label=_("Requirement"),
        required=False,
        widget=FastSelect,
        queryset=Requirement.objects.filter(withdrawn=False, assessable=True)
        .select_related("framework")
        .order_by("framework__ref_id", "order"),
    )
    ai_systems = forms.ModelMultipleChoiceField(
        label=_("AI systems"),
        required=False,
        widget=CheckboxGroup,
        queryset=AISystem.objects.none(),
    )
    owner = PersonChoiceField(
        label=_("Owner"),
        required=False,
        queryset=get_user_model().objects.none(),
        help_text=_("Who responds: the correction, the root cause and the corrective actions."),
    )
    raised_on = forms.DateField(label=_("Raised on"), required=False, widget=DATE)
    due_on = forms.DateField(label=_("Respond by"), required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any = None, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ai_systems"].queryset = restrict(
            AISystem.objects.filter(retired_at__isnull=True).order_by("name", "version"),
            user,
            VIEW,
        )
        self.fields["owner"].queryset = responders()
        if editing:
            for name in ("source", "raised_on"):
                del self.fields[name]
        elif not may_raise(user, NonconformitySource.AUDIT_FINDING):
            # The officer raises from incidents, complaints, monitoring or directly.
            self.fields["source"].choices = [
                (value, label)
                for value, label in NonconformitySource.choices
                if value in OFFICER_SOURCES
            ]
        else:
            # An audit finding's nonconformity is opened from the finding (the audit's page).
            self.fields["source"].choices = [
                (value, label)
                for value, label in NonconformitySource.choices
                if value != NonconformitySource.AUDIT_FINDING
            ]


class ResponseForm(forms.Form):
    """The response: the correction and when, the why chain, the root cause, its category,
    similar nonconformities elsewhere."""

    correction = forms.CharField(
        label=_("Correction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        help_text=_("What was done to control and correct the nonconformity."),
    )
    corrected_on = forms.DateField(label=_("Corrected on"), required=False, widget=DATE)
    why_chain = forms.CharField(
        label=_("Why chain"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One answer to “why?” per line, each the cause of the one before."),
    )
    root_cause = forms.CharField(
        label=_("Root cause"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
    )
    cause_category = forms.ChoiceField(
        label=_("Cause category"),
        required=False,
        choices=[("", "—"), *CauseCategory.choices],
    )
    similar_elsewhere = forms.CharField(
        label=_("Similar nonconformities elsewhere"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        help_text=_("Whether similar nonconformities exist or could occur elsewhere."),
    )

    def clean_why_chain(self) -> list[str]:
        value = self.cleaned_data.get("why_chain") or ""
        return [line.strip() for line in value.splitlines() if line.strip()]


class CorrectiveActionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
    )
    owner = PersonChoiceField(
        label=_("Owner"), required=False, queryset=get_user_model().objects.none()
    )
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    status = forms.ChoiceField(
        label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.PLANNED
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = responders()


class VerifyForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=VerificationResult.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        help_text=_("What you checked; why, when the action was not effective."),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
