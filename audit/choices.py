"""Enumerations of the audit app: stable lowercase codes, translated labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("audit status", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("audit status", "In progress")
    REPORTED = "reported", pgettext_lazy("audit status", "Reported")
    CLOSED = "closed", pgettext_lazy("audit status", "Closed")


class ChecklistResult(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not assessed yet")
    CONFORMING = "conforming", _("Conforming")
    NONCONFORMING = "nonconforming", _("Nonconforming")
    OBSERVATION = "observation", pgettext_lazy("checklist result", "Observation")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class FindingKind(models.TextChoices):
    CONFORMITY = "conformity", _("Conformity")
    MAJOR_NONCONFORMITY = "major_nonconformity", _("Major nonconformity")
    MINOR_NONCONFORMITY = "minor_nonconformity", _("Minor nonconformity")
    OBSERVATION = "observation", pgettext_lazy("finding kind", "Observation")
    OPPORTUNITY = "opportunity", _("Opportunity for improvement")


#: The kinds of finding that open a nonconformity record (10.2).
NONCONFORMITY_KINDS = (FindingKind.MAJOR_NONCONFORMITY, FindingKind.MINOR_NONCONFORMITY)


class NonconformitySource(models.TextChoices):
    AUDIT_FINDING = "audit_finding", _("Audit finding")
    INCIDENT = "incident", _("Incident")
    COMPLAINT = "complaint", _("Complaint")
    MONITORING = "monitoring", _("Monitoring result")
    DIRECT = "direct", _("Raised directly")


class Severity(models.TextChoices):
    MAJOR = "major", pgettext_lazy("severity", "Major")
    MINOR = "minor", pgettext_lazy("severity", "Minor")


class NonconformityStatus(models.TextChoices):
    """open → in progress (reaction, cause, actions) → awaiting verification → closed;
    a failed verification sends it back to in progress (reopened)."""

    OPEN = "open", pgettext_lazy("nonconformity status", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("nonconformity status", "In progress")
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting verification")
    CLOSED = "closed", pgettext_lazy("nonconformity status", "Closed")


class CauseCategory(models.TextChoices):
    PEOPLE = "people", _("People and competence")
    PROCESS = "process", _("Process or procedure")
    TECHNOLOGY = "technology", _("Technology or tooling")
    DATA = "data", _("Data")
    SUPPLIER = "supplier", _("Supplier or third party")
    GOVERNANCE = "governance", _("Governance and management")
    OTHER = "other", pgettext_lazy("cause category", "Other")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("action status", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("action status", "In progress")
    DONE = "done", pgettext_lazy("action status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("action status", "Cancelled")


class VerificationResult(models.TextChoices):
    EFFECTIVE = "effective", pgettext_lazy("verification", "Effective")
    NOT_EFFECTIVE = "not_effective", pgettext_lazy("verification", "Not effective")


class ReviewInput(models.TextChoices):
    """The inputs of a management review (9.3.2), one section each."""

    PREVIOUS_ACTIONS = "previous_actions", _("Status of actions from previous reviews")
    EXTERNAL_INTERNAL_ISSUES = "issues", _("Changes in external and internal issues")
    INTERESTED_PARTIES = "interested_parties", _("Changes in interested parties' needs")
    NONCONFORMITIES = "nonconformities", _("Nonconformities and corrective actions")
    MONITORING = "monitoring", _("Monitoring and measurement results")
    AUDITS = "audits", _("Audit results")
    RISKS = "risks", _("Risks and their treatment")
    IMPACT = "impact", _("Impact assessments")
    SOA = "soa", _("Statement of Applicability and evidence freshness")
    IMPROVEMENT = "improvement", _("Opportunities for continual improvement")


class PackPreset(models.TextChoices):
    """What an evidence pack holds: the sections a certification stage reads, or a choice."""

    STAGE1 = "stage1", _("Stage 1 audit")
    STAGE2 = "stage2", _("Stage 2 audit")
    SURVEILLANCE = "surveillance", _("Surveillance audit")
    CUSTOM = "custom", _("Chosen sections")


class PackSection(models.TextChoices):
    """The sections of an evidence pack, by clause of ISO/IEC 42001."""

    CONTEXT = "context", _("Context and scope (4)")
    LEADERSHIP = "leadership", _("Leadership (5)")
    PLANNING = "planning", _("Planning (6)")
    SUPPORT = "support", _("Support (7)")
    OPERATION = "operation", _("Operation (8)")
    EVALUATION = "evaluation", _("Performance evaluation (9)")
    IMPROVEMENT = "improvement", _("Improvement (10)")
    EVIDENCE = "evidence", _("Evidence files")
    CHANGE_LOG = "change_log", _("Change log of the period")
