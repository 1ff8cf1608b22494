"""Enumerations of the impact app: stable lowercase codes, translated labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AssessmentScope(models.TextChoices):
    """The organisation's activity the assessment covers (seed 000: 開発/提供/利用)."""

    DEVELOP = "develop", pgettext_lazy("assessment scope", "Develop")
    PROVIDE = "provide", pgettext_lazy("assessment scope", "Provide")
    USE = "use", pgettext_lazy("assessment scope", "Use")


class PartyKind(models.TextChoices):
    INDIVIDUALS = "individuals", _("Individuals")
    GROUPS = "groups", _("Groups of individuals")
    SOCIETY = "society", _("Society")


class ImpactNature(models.TextChoices):
    HARM = "harm", _("Harm")
    BENEFIT = "benefit", _("Benefit")


class Reversibility(models.TextChoices):
    REVERSIBLE = "reversible", _("Reversible")
    PARTLY = "partly", _("Partly reversible")
    IRREVERSIBLE = "irreversible", _("Irreversible")


class HumanJudgmentDecision(models.TextChoices):
    """The AI Guidelines for Business (App. 4/5, principle 3-②): whether a person must take
    part in the decision."""

    NOT_DECIDED = "not_decided", _("Not decided yet")
    HUMAN_DECIDES = "human_decides", _("A person decides; the AI supports")
    HUMAN_REVIEWS = "human_reviews", _("A person reviews the AI's outputs")
    AI_WITH_OVERSIGHT = "ai_with_oversight", _("The AI decides under human oversight")
    AI_ALONE = "ai_alone", _("The AI decides alone")


# The eight criteria of the Guidelines for deciding whether and how a person takes part in a
# decision (codes are the platform's; texts are its own paraphrase).
HUMAN_JUDGMENT_CRITERIA = {
    "rights_affected": _("Nature of the rights affected and the wishes of the person concerned"),
    "reliability": _("Reliability of the AI's judgment compared with a person's"),
    "time_available": _("Time available for a decision"),
    "human_competence": _("Competence of the person who would judge"),
    "protection_need": _("Need for protection (individual cases or mass processing)"),
    "prediction_uncertainty": _("Uncertainty of the statistical prediction"),
    "reasons_needed": _("Need to give justified reasons for the decision"),
    "bias_risk": _("Discrimination to be expected from biased data"),
}


class SocialAcceptance(models.TextChoices):
    """The four tiers of social acceptance of a use case (Guidelines, action goal 1-2)."""

    NOT_ASSESSED = "not_assessed", _("Not assessed")
    UNLIKELY = "unlikely", _("Unlikely to be accepted whatever the explanation")
    ACTIVE_EXPLANATION = "active_explanation", _("Accepted with active, sufficient explanation")
    EXPLANATION_AS_NEEDED = "explanation_as_needed", _("Accepted with explanation as needed")
    LOW_RISK = "low_risk", _("Low risk to people outside the business")


class PrivacyTreatment(models.TextChoices):
    NOT_DECIDED = "not_decided", _("Not decided yet")
    REDUCE = "reduce", _("Reduce")
    AVOID = "avoid", _("Avoid")
    ACCEPT = "accept", _("Accept")
    TRANSFER = "transfer", _("Transfer")
