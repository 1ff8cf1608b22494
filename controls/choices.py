"""Enumerations of the controls app: stable lowercase codes, translated labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ControlType(models.TextChoices):
    POLICY = "policy", pgettext_lazy("control type", "Policy")
    PROCESS = "process", pgettext_lazy("control type", "Process")
    TECHNICAL = "technical", pgettext_lazy("control type", "Technical")
    ORGANISATIONAL = "organisational", pgettext_lazy("control type", "Organisational")


class ControlStatus(models.TextChoices):
    """A control's life: planned → implementing → operating → retired (never deleted)."""

    PLANNED = "planned", pgettext_lazy("control status", "Planned")
    IMPLEMENTING = "implementing", pgettext_lazy("control status", "Being implemented")
    OPERATING = "operating", pgettext_lazy("control status", "Operating")
    RETIRED = "retired", pgettext_lazy("control status", "Retired")


class TestMethod(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry (interviews)")
    INSPECTION = "inspection", _("Inspection of records")
    OBSERVATION = "observation", _("Observation")
    REPERFORMANCE = "reperformance", _("Re-performance")
    AUTOMATED = "automated", _("Automated test")


class TestResult(models.TextChoices):
    EFFECTIVE = "effective", _("Effective")
    PARTLY_EFFECTIVE = "partly_effective", _("Partly effective")
    NOT_EFFECTIVE = "not_effective", _("Not effective")


class JustificationType(models.TextChoices):
    """Why a control is included in (or excluded from) the Statement of Applicability."""

    RISK_TREATMENT = "risk_treatment", _("Risk treatment")
    IMPACT_ASSESSMENT = "impact_assessment", _("Impact assessment")
    LEGAL = "legal", _("Legal or contractual requirement")
    INTERESTED_PARTY = "interested_party", _("Interested-party expectation")
    GOOD_PRACTICE = "good_practice", _("Good practice")


class ImplementationStatus(models.TextChoices):
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")
    PARTIAL = "partial", _("Partially implemented")
    IMPLEMENTED = "implemented", _("Implemented")


class SoaCheck(models.TextChoices):
    """The live consistency checks of the SoA (``controls.services.soa``)."""

    EXCLUDED_BUT_RELIED_ON = (
        "excluded_but_relied_on",
        _("Not applicable, but a risk treatment or an impact assessment relies on it"),
    )
    NO_IMPLEMENTING_CONTROL = (
        "no_implementing_control",
        _("Applicable, but no control implements it"),
    )
    NO_VALID_EVIDENCE = "no_valid_evidence", _("Implemented, but no evidence is valid today")
    RISK_JUSTIFICATION_WITHOUT_RISK = (
        "risk_justification_without_risk",
        _("Justified by risk treatment, but no risk is linked"),
    )


class EvidenceReview(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("evidence review", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("evidence review", "Accepted")
    REJECTED = "rejected", pgettext_lazy("evidence review", "Rejected")
