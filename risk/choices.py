"""Enumerations of the risk app: stable lowercase codes, translated labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RiskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("risk status", "Open")
    IN_TREATMENT = "in_treatment", _("In treatment")
    ACCEPTED = "accepted", _("Accepted")
    CLOSED = "closed", _("Closed")


class TreatmentOption(models.TextChoices):
    """The seven treatment options of ISO 31000 (6.5.2), plus "not decided yet". The AI
    Guidelines for Business use the shorter avoid / reduce / transfer / accept; see
    ``GUIDELINES_TERMS``."""

    NOT_DECIDED = "not_decided", _("Not decided yet")
    AVOID = "avoid", _("Avoid: do not start or continue the activity")
    PURSUE = "pursue", _("Take or increase the risk to pursue an opportunity")
    REMOVE_SOURCE = "remove_source", _("Remove the risk source")
    CHANGE_LIKELIHOOD = "change_likelihood", _("Change the likelihood")
    CHANGE_CONSEQUENCES = "change_consequences", _("Change the consequences")
    SHARE = "share", _("Share the risk (contracts, insurance)")
    RETAIN = "retain", _("Retain the risk by informed decision")


# The Guidelines' four words (回避・低減・移転・容認) for each ISO 31000 option.
GUIDELINES_TERMS = {
    TreatmentOption.AVOID: "avoid",
    TreatmentOption.REMOVE_SOURCE: "reduce",
    TreatmentOption.CHANGE_LIKELIHOOD: "reduce",
    TreatmentOption.CHANGE_CONSEQUENCES: "reduce",
    TreatmentOption.SHARE: "transfer",
    TreatmentOption.RETAIN: "accept",
    TreatmentOption.PURSUE: "accept",
}


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class AcceptanceEnd(models.TextChoices):
    EXPIRED = "expired", _("Expired")
    REASSESSED = "reassessed", _("Residual risk reassessed")
    REPLACED = "replaced", _("Replaced by a new acceptance")
    CLOSED = "closed", _("Risk closed")
    OWNER_IS_ACCEPTOR = "owner_is_acceptor", _("Ownership passed to the person who accepted it")


class RequestOutcome(models.TextChoices):
    """How a request for acceptance closed."""

    ACCEPTED = "accepted", _("Accepted")
    REASSESSED = "reassessed", _("Residual risk reassessed")
    CLOSED = "closed", _("Risk closed")


class MatrixAxis(models.TextChoices):
    LIKELIHOOD = "likelihood", _("Likelihood")
    IMPACT = "impact", _("Impact")
