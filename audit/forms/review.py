"""Forms of the management review pages. They collect input; the services validate it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aims.people import limit_owner_fields, person_name
from audit.choices import ActionStatus, ReviewInput
from audit.models import ManagementReview, ReviewAction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ManagementReviewForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("The review's identifier, e.g. MR-2026-1.")
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    period_start = forms.DateField(
        label=_("Period from"),
        required=False,
        widget=DATE,
        help_text=_("Empty: since the previous signed management review."),
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attendees"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Top management must be among them for the review to be signed off."),
    )
    other_attendees = forms.CharField(label=_("Other attendees"), max_length=500, required=False)
    minutes = forms.CharField(
        label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    conclusions = forms.CharField(
        label=_("Conclusions"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attendees"]
        field.queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        field.label_from_instance = person_name  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(review: ManagementReview | None) -> dict[str, Any]:
        if review is None:
            return {}
        return {
            "code": review.code,
            "title": review.title,
            "held_on": review.held_on,
            "period_start": review.period_start,
            "attendees": list(review.attendees.all()),
            "other_attendees": review.other_attendees,
            "minutes": review.minutes,
            "conclusions": review.conclusions,
        }


class AnnotationForm(forms.Form):
    section = forms.ChoiceField(label=_("Input"), choices=ReviewInput.choices)
    text = forms.CharField(
        label=_("Notes of the review"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewActionForm(forms.Form):
    decision = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    title = forms.CharField(label=pgettext_lazy("review action", "Action"), max_length=300)
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=get_user_model().objects.none()
    )
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    completed_on = forms.DateField(label=_("Completed on"), required=False, widget=DATE)

    def __init__(self, *args: Any, tracking_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_owner_fields(self)
        if tracking_only:  # a signed review: only the action's tracking changes
            del self.fields["decision"]
            del self.fields["title"]

    @staticmethod
    def initial_for(action: ReviewAction | None) -> dict[str, Any]:
        if action is None:
            return {"status": ActionStatus.PLANNED}
        return {
            "decision": action.decision,
            "title": action.title,
            "owner": action.owner_id,
            "due_on": action.due_on,
            "status": action.status,
            "completed_on": action.completed_on,
        }
