"""Forms of the risk pages. They collect input; the services validate and derive levels."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.forms.base import limit_system_choices
from aims.models import AISystem, Requirement
from aims.people import limit_owner_fields
from aims.scope import VIEW, restrict
from aims.widgets import CheckboxGroup
from controls.choices import ControlStatus
from controls.models import Control
from risk.choices import RiskStatus, TreatmentOption
from risk.models import RiskMatrix, TreatmentAction
from risk.services.register import (
    AISI_PERSPECTIVES,
    ANNEX_C_RISK_SOURCES,
    METI_PRINCIPLES,
    RISK_CATEGORIES,
)
from risk.services.treatment import ANNEX_A_CONTROLS


def library_label(obj: Requirement) -> str:
    """A library item as people read it: "C-3 Fairness"; taxonomy items (lowercase codes) by
    their name alone, in the reader's language."""
    return f"{obj.ref_id} {obj.name}" if obj.ref_id[:1].isupper() else obj.name


class LibraryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Requirement) -> str:
        return library_label(obj)


class LibraryItemField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Requirement) -> str:
        return library_label(obj)


def _library(filters: dict[str, Any], label: Any) -> LibraryChoiceField:
    return LibraryChoiceField(
        label=label,
        required=False,
        widget=CheckboxGroup,
        queryset=Requirement.objects.filter(withdrawn=False, **filters).order_by("order"),
    )


def position_choices(matrix: RiskMatrix, axis: str) -> list[tuple[int, str]]:
    steps = matrix.likelihood_levels if axis == "likelihood" else matrix.impact_levels
    return [(n, f"{n} {matrix.step_label(axis, n)}") for n in range(1, len(steps) + 1)]


class RiskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    ai_systems = forms.ModelMultipleChoiceField(
        label=_("AI systems"),
        required=False,
        widget=CheckboxGroup,  # searchable once the inventory is long
        queryset=AISystem.objects.none(),
    )
    matrix = forms.ModelChoiceField(
        label=_("Risk matrix"), queryset=RiskMatrix.objects.none(), empty_label=None
    )
    inherent_likelihood = forms.TypedChoiceField(label=_("Inherent likelihood"), coerce=int)
    inherent_impact = forms.TypedChoiceField(label=_("Inherent impact"), coerce=int)
    residual_likelihood = forms.TypedChoiceField(label=_("Residual likelihood"), coerce=int)
    residual_impact = forms.TypedChoiceField(label=_("Residual impact"), coerce=int)
    categories = _library(RISK_CATEGORIES, _("Categories"))
    risk_sources = _library(ANNEX_C_RISK_SOURCES, _("Risk sources (ISO/IEC 42001 Annex C)"))
    source_notes = forms.CharField(
        label=_("Risk source (details)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    principles = _library(METI_PRINCIPLES, _("Principles (AI Guidelines for Business)"))
    aisi_perspectives = _library(AISI_PERSPECTIVES, _("AISI evaluation perspectives"))
    treatment_option = forms.ChoiceField(
        label=_("Treatment option"), choices=TreatmentOption.choices
    )
    treatment_plan = forms.CharField(
        label=_("Treatment plan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices)
    closed_reason = forms.CharField(
        label=_("Reason for closing"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        required=False,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
    )
    review_interval_days = forms.IntegerField(
        label=_("Review interval (days)"), min_value=1, required=False
    )
    next_review_on = forms.DateField(
        label=_("Next review"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    template = forms.ModelChoiceField(
        queryset=Requirement.objects.all(), required=False, widget=forms.HiddenInput
    )

    POSITIONS = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")

    def __init__(
        self,
        *args: Any,
        user: Any,
        matrix: RiskMatrix,
        matrices: Any,
        accepted: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_owner_fields(self)
        limit_system_choices(self, user)
        self.fields["matrix"].queryset = matrices  # type: ignore[attr-defined]
        for name in self.POSITIONS:
            axis = "likelihood" if name.endswith("likelihood") else "impact"
            self.fields[name].choices = position_choices(matrix, axis)  # type: ignore[attr-defined]
        statuses = [
            (c, label) for c, label in RiskStatus.choices if c != RiskStatus.ACCEPTED or accepted
        ]
        self.fields["status"].choices = statuses  # type: ignore[attr-defined]
        self.fields["matrix"].widget.attrs.update(
            {"hx-get": reverse("risk_positions"), "hx-target": "#positions", "hx-include": "this"}
        )

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("template") is None:
            data.pop("template", None)
        return data


class AcceptForm(forms.Form):
    rationale = forms.CharField(
        label=_("Why the residual risk is accepted"), widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_on = forms.DateField(
        label=_("Accepted until"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ControlChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class TreatmentActionForm(forms.ModelForm):
    implementing_controls = ControlChoiceField(
        label=_("The organisation's controls"),
        required=False,
        widget=CheckboxGroup,
        queryset=Control.objects.none(),
        help_text=_("The organisation's own controls the action puts in place or relies on."),
    )
    controls = LibraryChoiceField(
        label=_("Annex A controls"),
        required=False,
        widget=CheckboxGroup,  # 38 controls: checkboxes with a search box, no list box
        queryset=Requirement.objects.filter(**ANNEX_A_CONTROLS).order_by("order"),
    )

    class Meta:
        model = TreatmentAction
        fields = [
            "title",
            "description",
            "owner",
            "due_on",
            "status",
            "completed_on",
            "implementing_controls",
            "controls",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "due_on": forms.DateInput(attrs={"type": "date"}),
            "completed_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_owner_fields(self)
        # The controls the user may see (none without a user): those not retired, and those
        # the action already relies on.
        linked = (
            list(self.instance.implementing_controls.values_list("pk", flat=True))
            if self.instance.pk
            else []
        )
        controls = restrict(Control.objects.all(), user, VIEW).filter(
            ~Q(status=ControlStatus.RETIRED) | Q(pk__in=linked)
        )
        self.fields["implementing_controls"].queryset = controls.order_by("code")  # type: ignore[attr-defined]


class MatrixForm(forms.Form):
    """A matrix's names, scale labels, level labels and colours, the level of every cell, and
    its criteria. The shape (number of steps and levels) comes from the matrix it edits or
    copies; a different shape is defined through the API."""

    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Stable identifier, e.g. 4x4-products.")
    )
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=200)
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description_ja = forms.CharField(
        label=_("Description (Japanese)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_default = forms.BooleanField(label=_("Default matrix for new risks"), required=False)
    is_impact_default = forms.BooleanField(
        label=_("Default matrix for new impact assessments"), required=False
    )
    acceptable_levels = forms.MultipleChoiceField(
        label=_("Levels within the risk criteria"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A residual risk at these levels may be accepted by a governance officer or "
            "top management; above them only top management accepts it."
        ),
    )

    AXES = (("likelihood", _("Likelihood")), ("impact", _("Impact")))
    STEP_TEXTS = (
        ("label_en", _("label (English)")),
        ("label_ja", _("label (Japanese)")),
        ("description_en", _("description (English)")),
        ("description_ja", _("description (Japanese)")),
    )

    def __init__(self, *args: Any, matrix: RiskMatrix, editing: bool, **kwargs: Any) -> None:
        initial = {
            "code": matrix.code if editing else "",
            "name_en": matrix.name_en,
            "name_ja": matrix.name_ja,
            "description_en": matrix.description_en,
            "description_ja": matrix.description_ja,
            "is_default": matrix.is_default if editing else False,
            "is_impact_default": matrix.is_impact_default if editing else False,
            "acceptable_levels": list(matrix.criteria.acceptable_levels),
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.matrix, self.editing = matrix, editing
        if editing:
            self.fields["code"].disabled = True
            del self.fields["acceptable_levels"]  # criteria have their own form on the matrix page
        else:
            self.fields["acceptable_levels"].choices = self.level_choices()  # type: ignore[attr-defined]
        for axis, axis_label in self.AXES:
            for n, step in enumerate(getattr(matrix, f"{axis}_levels"), start=1):
                for key, key_label in self.STEP_TEXTS:
                    self.fields[f"{axis}_{n}_{key}"] = forms.CharField(
                        label=f"{axis_label} {n}: {key_label}",
                        initial=step.get(key, ""),
                        required=key.startswith("label"),
                        max_length=1000,
                    )
        for n, level in enumerate(matrix.levels, start=1):
            code = level["code"]
            self.fields[f"level_{n}_label_en"] = forms.CharField(
                label=_("Level “%(code)s”: label (English)") % {"code": code},
                initial=level.get("label_en", ""),
                max_length=100,
            )
            self.fields[f"level_{n}_label_ja"] = forms.CharField(
                label=_("Level “%(code)s”: label (Japanese)") % {"code": code},
                initial=level.get("label_ja", ""),
                max_length=100,
            )
            self.fields[f"level_{n}_colour"] = forms.CharField(
                label=_("Level “%(code)s”: colour") % {"code": code},
                required=False,
                initial=level.get("colour", ""),
                max_length=7,
                widget=forms.TextInput(attrs={"type": "color"}),
            )
        rows, columns = matrix.size
        for l_pos in range(1, rows + 1):
            for i_pos in range(1, columns + 1):
                self.fields[f"cell_{l_pos}_{i_pos}"] = forms.ChoiceField(
                    label=_("Likelihood %(l)d × impact %(i)d") % {"l": l_pos, "i": i_pos},
                    choices=self.level_choices(),
                    initial=matrix.grid[l_pos - 1][i_pos - 1],
                )

    def level_choices(self) -> list[tuple[str, str]]:
        return [(lv["code"], self.matrix.level_label(lv["code"])) for lv in self.matrix.levels]

    def general_fields(self) -> list[Any]:
        names = (
            "code",
            "name_en",
            "name_ja",
            "description_en",
            "description_ja",
            "is_default",
            "is_impact_default",
            "acceptable_levels",
        )
        return [self[name] for name in names if name in self.fields]

    def step_rows(self) -> list[tuple[str, list[list[Any]]]]:
        return [
            (
                str(label),
                [
                    [self[f"{axis}_{n}_{key}"] for key, _x in self.STEP_TEXTS]
                    for n in range(1, len(getattr(self.matrix, f"{axis}_levels")) + 1)
                ],
            )
            for axis, label in self.AXES
        ]

    def level_rows(self) -> list[list[Any]]:
        return [
            [self[f"level_{n}_{k}"] for k in ("label_en", "label_ja", "colour")]
            for n in range(1, len(self.matrix.levels) + 1)
        ]

    def grid_rows(self) -> list[tuple[int, list[Any]]]:
        rows, columns = self.matrix.size
        return [
            (l_pos, [self[f"cell_{l_pos}_{i}"] for i in range(1, columns + 1)])
            for l_pos in range(rows, 0, -1)
        ]

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {
            name: data[name]
            for name in (
                "name_en",
                "name_ja",
                "description_en",
                "description_ja",
                "is_default",
                "is_impact_default",
            )
        }
        if not self.editing:
            result["code"] = data["code"]
            result["acceptable_levels"] = data["acceptable_levels"]
        for axis, _label in self.AXES:
            steps = getattr(self.matrix, f"{axis}_levels")
            result[f"{axis}_levels"] = [
                {key: data[f"{axis}_{n}_{key}"] for key, _x in self.STEP_TEXTS}
                for n in range(1, len(steps) + 1)
            ]
        result["levels"] = [
            {
                "code": level["code"],
                "label_en": data[f"level_{n}_label_en"],
                "label_ja": data[f"level_{n}_label_ja"],
                "colour": data[f"level_{n}_colour"],
            }
            for n, level in enumerate(self.matrix.levels, start=1)
        ]
        rows, columns = self.matrix.size
        result["grid"] = [
            [data[f"cell_{l_pos}_{i}"] for i in range(1, columns + 1)]
            for l_pos in range(1, rows + 1)
        ]
        return result


class CriteriaForm(forms.Form):
    acceptable_levels = forms.MultipleChoiceField(
        label=_("Levels within the risk criteria"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    statement_en = forms.CharField(
        label=_("Risk appetite statement (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    statement_ja = forms.CharField(
        label=_("Risk appetite statement (Japanese)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, matrix: RiskMatrix, **kwargs: Any) -> None:
        criteria = matrix.criteria
        kwargs.setdefault(
            "initial",
            {
                "acceptable_levels": criteria.acceptable_levels,
                "statement_en": criteria.statement_en,
                "statement_ja": criteria.statement_ja,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["acceptable_levels"].choices = [  # type: ignore[attr-defined]
            (lv["code"], matrix.level_label(lv["code"])) for lv in matrix.levels
        ]
