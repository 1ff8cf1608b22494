"""Forms of the Statement of Applicability pages. They collect input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aims.models import Requirement
from aims.people import owner_candidates
from aims.scope import VIEW, restrict
from aims.widgets import CheckboxGroup
from controls.choices import ImplementationStatus, JustificationType, SoaCheck
from controls.models import ApplicabilityStatement, Control, Evidence
from controls.selectors.soa import ANNEX_A_CONTROLS

APPLICABLE_CHOICES = [("", _("Not decided")), ("yes", _("Applicable")), ("no", _("Not applicable"))]


def applicable_value(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def applicable_code(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")  # type: ignore[arg-type]


class RequirementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Requirement) -> str:
        return f"{obj.framework.ref_id} {obj.ref_id} {obj.name}"


class ControlChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Control) -> str:
        return f"{obj.code} {obj.name}"


class SoaRowForm(forms.Form):
    """One row of a draft: whether the control applies, why, how far it is implemented, by
    which of the organisation's controls and with which evidence (only those the user sees)."""

    applicable = forms.ChoiceField(
        label=_("Applicable"), choices=APPLICABLE_CHOICES, required=False
    )
    justification_type = forms.ChoiceField(
        label=_("Justification type"),
        choices=[("", "—"), *JustificationType.choices],
        required=False,
    )
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the control is included or excluded; an exclusion always says why."),
    )
    implementation_status = forms.ChoiceField(
        label=_("Implementation status"), choices=ImplementationStatus.choices
    )
    controls = ControlChoiceField(
        label=_("Implementing controls"),
        required=False,
        widget=CheckboxGroup,
        queryset=Control.objects.none(),
    )
    evidence = forms.ModelMultipleChoiceField(
        label=_("Evidence"),
        required=False,
        widget=CheckboxGroup,
        queryset=Evidence.objects.none(),
        help_text=_(
            "The evidence of the controls that satisfy this control, and that already linked. "
            "Other evidence is linked to the row from the evidence's own page."
        ),
    )
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, queryset=owner_candidates())

    def __init__(
        self, *args: Any, user: Any, row: ApplicabilityStatement | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        controls = self.fields["controls"]
        controls.queryset = restrict(Control.objects.all(), user, VIEW).order_by("code")  # type: ignore[attr-defined]
        # Not every piece of evidence of the organisation (there may be hundreds of thousands):
        # that of the controls satisfying the row's control, and what the row links already.
        near = Q(controls__requirements=row.requirement_id) if row is not None else Q(pk__in=[])
        if row is not None and row.pk is not None:
            near |= Q(applicability_statements=row.pk)
        visible = restrict(Evidence.objects.all(), user, VIEW)
        evidence = self.fields["evidence"]
        evidence.queryset = visible.filter(  # type: ignore[attr-defined]
            pk__in=Evidence.objects.filter(near).values("pk")
        ).order_by("title", "id")
        owner = self.fields["owner"]
        owner.queryset = owner_candidates(keep=row.owner_id if row is not None else None)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, row: ApplicabilityStatement) -> dict[str, Any]:
        return {
            "applicable": applicable_code(row.applicable),
            "justification_type": row.justification_type,
            "justification": row.justification,
            "implementation_status": row.implementation_status,
            "controls": list(row.controls.all()),
            "evidence": list(row.evidence.all()),
            "owner": row.owner,
        }

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["applicable"] = applicable_value(data.get("applicable", ""))
        data["controls"] = list(data.get("controls") or [])
        data["evidence"] = list(data.get("evidence") or [])
        return data


class SoaRowAddForm(SoaRowForm):
    """A control of another source added to a draft (6.1.3 allows it)."""

    requirement = RequirementChoiceField(
        label=_("Requirement"),
        queryset=Requirement.objects.none(),
        help_text=_("A requirement of another framework of the library."),
    )

    field_order = ["requirement"]

    def __init__(self, *args: Any, soa: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = (
            Requirement.objects.filter(assessable=True, withdrawn=False)
            .exclude(
                **{
                    k: v
                    for k, v in ANNEX_A_CONTROLS.items()
                    if k != "assessable" and k != "withdrawn"
                }
            )
            .exclude(applicability_statements__soa=soa)
            .select_related("framework")
            .order_by("framework__ref_id", "order")
        )
        self.fields["requirement"].queryset = candidates  # type: ignore[attr-defined]


class WaiveForm(forms.Form):
    requirement = forms.IntegerField(widget=forms.HiddenInput)
    check_code = forms.ChoiceField(label=_("Check"), choices=SoaCheck.choices)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the check may be set aside for this control."),
    )


class UnwaiveForm(forms.Form):
    requirement = forms.IntegerField(widget=forms.HiddenInput)
    check_code = forms.ChoiceField(choices=SoaCheck.choices, widget=forms.HiddenInput)
