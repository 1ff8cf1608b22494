"""Forms of the competence register. They collect input; the services validate it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.forms.base import limit_system_choices
from aims.models import AISystem, CompetenceRole, CompetenceState
from aims.people import PersonChoiceField, limit_owner_fields
from aims.scope import CHANGE, restrict
from aims.widgets import CheckboxGroup

DATE = forms.DateInput(attrs={"type": "date"})


def _people() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("last_name", "username")


class CompetenceRoleForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("As the organisation calls the role.")
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    required_competence = forms.CharField(
        label=_("Required competence"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The education, training or experience the role requires."),
    )
    ai_systems = forms.ModelMultipleChoiceField(
        label=_("AI systems"),
        required=False,
        widget=CheckboxGroup,
        queryset=AISystem.objects.none(),
        help_text=_("The AI systems the role works on. None: the whole organisation."),
    )
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, queryset=_people())
    review_interval_days = forms.IntegerField(
        label=_("Review interval (days)"), min_value=1, required=False
    )
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_owner_fields(self)
        limit_system_choices(self, user)


class CompetenceRecordForm(forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=CompetenceRole.objects.none())
    person = PersonChoiceField(label=_("Person"), queryset=_people())
    state = forms.ChoiceField(label=_("State"), choices=CompetenceState.choices)
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    assessed_by = PersonChoiceField(label=_("Assessed by"), required=False, queryset=_people())
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        required=False,
        queryset=_people(),
        help_text=_("Who keeps the record current: reviews fall due to them."),
    )
    review_interval_days = forms.IntegerField(
        label=_("Review interval (days)"), min_value=1, required=False
    )
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("assessed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        limit_owner_fields(self)
        roles = restrict(CompetenceRole.objects.all(), user, CHANGE).order_by("name")
        self.fields["role"].queryset = roles  # type: ignore[attr-defined]
