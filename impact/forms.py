"""Forms of the impact pages: the guided assessment form in sections, and the entry form. They
collect input; the services validate and derive levels."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims import urns
from aims.models import AISystem, Requirement
from aims.people import limit_owner_fields
from aims.scope import CHANGE, restrict
from aims.widgets import CheckboxGroup
from impact.choices import (
    HUMAN_JUDGMENT_CRITERIA,
    AssessmentScope,
    HumanJudgmentDecision,
    ImpactNature,
    PartyKind,
    PrivacyTreatment,
    Reversibility,
    SocialAcceptance,
)
from risk.forms import LibraryChoiceField, LibraryItemField, position_choices
from risk.models import Risk, RiskMatrix
from risk.services.treatment import ANNEX_A_CONTROLS

TEXT = {"rows": 3}


def _users() -> Any:
    """Who may be picked (narrowed per form to ``owner_candidates``: ``limit_owner_fields``)."""
    return get_user_model().objects.filter(is_active=True).order_by("username")


class ImpactAssessmentForm(forms.Form):
    """Every field of the seed-000 record and the Guidelines' extras, in sections."""

    ai_system = forms.ModelChoiceField(label=_("AI system"), queryset=AISystem.objects.none())
    system_version = forms.CharField(label=_("AI system version"), max_length=50, required=False)
    assessed_on = forms.DateField(
        label=_("Date of assessment"), widget=forms.DateInput(attrs={"type": "date"})
    )
    responsible = forms.ModelChoiceField(
        label=_("Person responsible"), queryset=_users(), required=False
    )
    responsible_role = forms.CharField(label=_("Responsible role"), max_length=200, required=False)
    scope = forms.MultipleChoiceField(
        label=_("Scope (develop / provide / use)"),
        choices=AssessmentScope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    scope_notes = forms.CharField(label=_("Scope (details)"), max_length=300, required=False)
    intended_use = forms.CharField(label=_("Intended use"), widget=forms.Textarea(attrs=TEXT))
    foreseeable_misuse = forms.CharField(
        label=_("Reasonably foreseeable misuse"), widget=forms.Textarea(attrs=TEXT), required=False
    )
    technical_context = forms.CharField(
        label=_("Technical context considered"), widget=forms.Textarea(attrs=TEXT), required=False
    )
    societal_context = forms.CharField(
        label=_("Societal context considered"), widget=forms.Textarea(attrs=TEXT), required=False
    )
    laws_and_jurisdictions = forms.CharField(
        label=_("Applicable laws and jurisdictions"),
        widget=forms.Textarea(attrs=TEXT),
        required=False,
    )
    affected_parties = forms.MultipleChoiceField(
        label=_("Affected parties"),
        choices=PartyKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    affected_parties_description = forms.CharField(
        label=_("Affected parties (details)"), widget=forms.Textarea(attrs=TEXT), required=False
    )
    potential_impacts = forms.CharField(
        label=_("Potential impacts"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    matrix = forms.ModelChoiceField(
        label=_("Matrix"), queryset=RiskMatrix.objects.none(), empty_label=None
    )
    severity = forms.TypedChoiceField(label=_("Severity"), coerce=int)
    likelihood = forms.TypedChoiceField(label=_("Likelihood"), coerce=int)
    stakeholders_to_be_informed = forms.BooleanField(
        label=_("Interested parties are to be informed"), required=False
    )
    stakeholder_communication = forms.CharField(
        label=_("How they are informed"), widget=forms.Textarea(attrs=TEXT), required=False
    )
    linked_risks = forms.ModelMultipleChoiceField(
        label=_("Risks reflecting the assessment as a whole"),
        queryset=Risk.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Risks created from or linked to entries are listed automatically."),
    )
    reflection_notes = forms.CharField(
        label=_("Reflection in the risk assessment (notes)"),
        widget=forms.Textarea(attrs=TEXT),
        required=False,
    )
    annex_controls = LibraryChoiceField(
        label=_("Annex A controls the mitigations rely on"),
        required=False,
        widget=CheckboxGroup,  # 38 controls: checkboxes with a search box
        queryset=Requirement.objects.filter(**ANNEX_A_CONTROLS).order_by("order"),
        help_text=_(
            "The Statement of Applicability warns when one of them is marked not applicable."
        ),
    )
    human_judgment_decision = forms.ChoiceField(
        label=_("Decision on human judgment"), choices=HumanJudgmentDecision.choices
    )
    human_judgment_rationale = forms.CharField(
        label=_("Reasons for the decision"), widget=forms.Textarea(attrs=TEXT), required=False
    )
    vulnerable_groups = forms.CharField(
        label=_("Vulnerable groups concerned"), widget=forms.Textarea(attrs=TEXT), required=False
    )
    social_acceptance = forms.ChoiceField(
        label=_("Social acceptance"), choices=SocialAcceptance.choices
    )
    pia_information_flows = forms.CharField(
        label=_("1. Information, flows and stakeholders"),
        widget=forms.Textarea(attrs=TEXT),
        required=False,
    )
    pia_privacy_risks = forms.CharField(
        label=_("2. Privacy risks"), widget=forms.Textarea(attrs=TEXT), required=False
    )
    pia_evaluation = forms.CharField(
        label=_("3. Impact and likelihood"), widget=forms.Textarea(attrs=TEXT), required=False
    )
    pia_treatment = forms.ChoiceField(label=_("4. Treatment"), choices=PrivacyTreatment.choices)
    pia_plan = forms.CharField(
        label=_("4. Treatment plan"), widget=forms.Textarea(attrs=TEXT), required=False
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=_users(), required=False)
    review_interval_days = forms.IntegerField(
        label=_("Review interval (days)"), min_value=1, required=False
    )
    next_review_on = forms.DateField(
        label=_("Next review"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    SECTIONS = (
        (
            "basics",
            _("1. The system and the assessment"),
            [
                "ai_system",
                "system_version",
                "assessed_on",
                "responsible",
                "responsible_role",
                "scope",
                "scope_notes",
            ],
        ),
        ("use", _("2. Use and misuse"), ["intended_use", "foreseeable_misuse"]),
        (
            "context",
            _("3. Context"),
            ["technical_context", "societal_context", "laws_and_jurisdictions"],
        ),
        (
            "parties",
            _("4. Affected parties and potential impacts"),
            ["affected_parties", "affected_parties_description", "potential_impacts"],
        ),
        ("evaluation", _("5. Severity and likelihood"), ["matrix", "severity", "likelihood"]),
        (
            "communication",
            _("6. Communication and reflection into risks"),
            [
                "stakeholders_to_be_informed",
                "stakeholder_communication",
                "linked_risks",
                "reflection_notes",
                "annex_controls",
            ],
        ),
        (
            "judgment",
            _("7. Human judgment (AI Guidelines for Business)"),
            [
                *(f"hj_{code}" for code in HUMAN_JUDGMENT_CRITERIA),
                "human_judgment_decision",
                "human_judgment_rationale",
            ],
        ),
        (
            "groups",
            _("8. Vulnerable groups and social acceptance"),
            ["vulnerable_groups", "social_acceptance"],
        ),
        (
            "privacy",
            _("9. Privacy impact assessment"),
            [
                "pia_information_flows",
                "pia_privacy_risks",
                "pia_evaluation",
                "pia_treatment",
                "pia_plan",
            ],
        ),
        ("review", _("10. Review"), ["owner", "review_interval_days", "next_review_on"]),
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        matrix: RiskMatrix,
        system: AISystem | None,
        matrices: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_owner_fields(self)
        for code, label in HUMAN_JUDGMENT_CRITERIA.items():
            self.fields[f"hj_{code}"] = forms.CharField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            if self.initial.get("human_judgment"):
                self.fields[f"hj_{code}"].initial = self.initial["human_judgment"].get(code, "")
        systems = restrict(AISystem.objects.all(), user, CHANGE)
        if self.initial.get("id"):  # an assessment stays with its system
            systems = systems.filter(pk=system.pk if system else 0)
        else:
            systems = systems.filter(retired_at__isnull=True)
        self.fields["ai_system"].queryset = systems.order_by("name")  # type: ignore[attr-defined]
        self.fields["matrix"].queryset = matrices  # type: ignore[attr-defined]
        self.fields["severity"].choices = position_choices(matrix, "impact")  # type: ignore[attr-defined]
        self.fields["likelihood"].choices = position_choices(matrix, "likelihood")  # type: ignore[attr-defined]
        self.fields["matrix"].widget.attrs.update(
            {
                "hx-get": reverse("impact_positions"),
                "hx-target": "#impact-positions",
                "hx-include": "this",
            }
        )
        risks = restrict(Risk.objects.all(), user)
        self.fields["linked_risks"].queryset = (  # type: ignore[attr-defined]
            risks.filter(ai_systems=system).only("id", "title") if system else risks.none()
        )

    def sections(self) -> list[tuple[str, Any, list[Any]]]:
        return [
            (anchor, title, [self[name] for name in names if name in self.fields])
            for anchor, title, names in self.SECTIONS
        ]

    def data_for_service(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("hj_")}
        data["human_judgment"] = {
            code: self.cleaned_data.get(f"hj_{code}", "") for code in HUMAN_JUDGMENT_CRITERIA
        }
        return data


class ImpactEntryForm(forms.Form):
    party_type = LibraryItemField(
        label=_("Affected party type"),
        queryset=Requirement.objects.filter(
            framework__urn=urns.AFFECTED_PARTIES, withdrawn=False
        ).order_by("order"),
    )
    party_description = forms.CharField(
        label=_("Affected party (details)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    impact_area = LibraryItemField(
        label=_("Impact area"),
        queryset=Requirement.objects.filter(
            framework__urn=urns.IMPACT_AREAS, withdrawn=False
        ).order_by("order"),
    )
    nature = forms.ChoiceField(label=_("Benefit or harm"), choices=ImpactNature.choices)
    description = forms.CharField(label=_("Consequence"), widget=forms.Textarea(attrs=TEXT))
    severity = forms.TypedChoiceField(label=_("Severity"), coerce=int)
    likelihood = forms.TypedChoiceField(label=_("Likelihood"), coerce=int)
    reversibility = forms.ChoiceField(label=_("Reversibility"), choices=Reversibility.choices)
    existing_mitigations = forms.CharField(
        label=_("Existing mitigations"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    planned_mitigations = forms.CharField(
        label=_("Planned mitigations"), required=False, widget=forms.Textarea(attrs=TEXT)
    )

    def __init__(self, *args: Any, matrix: RiskMatrix, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = position_choices(matrix, "impact")  # type: ignore[attr-defined]
        self.fields["likelihood"].choices = position_choices(matrix, "likelihood")  # type: ignore[attr-defined]


class LinkRisksForm(forms.Form):
    risks = forms.ModelMultipleChoiceField(
        label=_("Risks"),
        queryset=Risk.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
