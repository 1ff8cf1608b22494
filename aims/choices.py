"""Enumerations of the core app: stable lowercase codes, translated labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The six roles of DESIGN §5. The code is the name of the Django group."""

    GOVERNANCE_OFFICER = "governance_officer", _("Governance officer")
    TOP_MANAGEMENT = "top_management", _("Top management")
    OPERATIONAL_MEMBER = "operational_member", _("Operational team member")
    INTERNAL_AUDITOR = "internal_auditor", _("Internal auditor")
    EXTERNAL_AUDITOR = "external_auditor", _("External auditor")
    VIEWER = "viewer", _("Viewer")


def group_label(name: str) -> str:
    """A group as people read it: a role's group by the role's label, another by its name."""
    return str(Role(name).label) if name in Role.values else name


class RoleGrantStatus(models.TextChoices):
    """Where a request to give a role that approves or accepts stands."""

    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Action(models.TextChoices):
    """What a change record says happened. Workflow steps get their own codes."""

    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")
    ACCEPT = "accept", _("Accepted")
    REVOKE = "revoke", _("Revoked")
    GRANT = "grant", _("Granted")
    RETIRE = "retire", _("Retired")
    LOGIN = "login", _("Logged in")


class ChangeSource(models.TextChoices):
    """Where a change came from, so shell, task and command changes are traceable too."""

    WEB = "web", _("Web request")
    API = "api", _("API request")
    TASK = "task", _("Background task")
    COMMAND = "command", _("Management command")
    SHELL = "shell", _("Shell or script")


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class Language(models.TextChoices):
    JAPANESE = "ja", _("Japanese")
    ENGLISH = "en", _("English")


class NotificationKind(models.TextChoices):
    GENERAL = "general", _("General")
    REVIEW_DUE = "review_due", _("Review due")
    ASSIGNMENT = "assignment", _("Assignment")
    WORKFLOW = "workflow", _("Workflow")
    SECURITY = "security", _("Security")


class InboxKind(models.TextChoices):
    """The groups of the personal inbox ("My work"), in the order the page shows them."""

    APPROVAL = "approval", _("Waiting for my approval")
    ACCEPTANCE = "acceptance", _("Risk acceptances waiting for me")
    RETURNED = "returned", _("Returned to me")
    REVIEW = "review", _("Reviews due")
    ACTION = "action", _("Actions assigned to me")
    RESULT = "result", _("Decisions on my work")


class FrameworkCategory(models.TextChoices):
    STANDARD = "standard", _("Standard")
    GUIDELINE = "guideline", _("Guideline")
    EVALUATION = "evaluation", _("Evaluation scheme")
    TAXONOMY = "taxonomy", _("Taxonomy")


class MappingRelationship(models.TextChoices):
    """How a source requirement relates to a target (set semantics of their content)."""

    EQUAL = "equal", _("Equal")
    SUBSET = "subset", _("Subset of")
    SUPERSET = "superset", _("Superset of")
    INTERSECT = "intersect", _("Intersects")
    RELATED = "related", _("Related")


class LifecycleStage(models.TextChoices):
    """AI system life cycle stages (ISO/IEC 22989 / 42001 A.6)."""

    CONCEPT = "concept", _("Concept")
    DESIGN = "design", _("Design")
    DEVELOPMENT = "development", _("Development")
    VERIFICATION = "verification", _("Verification and validation")
    DEPLOYMENT = "deployment", _("Deployment")
    OPERATION = "operation", _("Operation and monitoring")
    RETIRED = "retired", _("Retired")


class OrganizationRole(models.TextChoices):
    """The organisation's roles for an AI system (AI Guidelines for Business actors)."""

    DEVELOPER = "developer", _("AI developer")
    PROVIDER = "provider", _("AI provider")
    BUSINESS_USER = "business_user", _("AI business user")


class AIType(models.TextChoices):
    RULE_BASED = "rule_based", _("Rule-based or expert system")
    MACHINE_LEARNING = "machine_learning", _("Machine learning (classical)")
    DEEP_LEARNING = "deep_learning", _("Deep learning")
    GENERATIVE = "generative", _("Generative AI / foundation model")
    HYBRID = "hybrid", _("Hybrid")
    OTHER = "other", _("Other")


class EUAIActTier(models.TextChoices):
    """Risk tier under Regulation (EU) 2024/1689; codes match the library taxonomy."""

    NOT_ASSESSED = "not_assessed", _("Not assessed")
    PROHIBITED = "prohibited", _("Prohibited")
    HIGH = "high", _("High risk")
    LIMITED = "limited", _("Limited risk (transparency)")
    MINIMAL = "minimal", _("Minimal risk")
    NOT_APPLICABLE = "not_applicable", _("Outside the AI Act")


class ContextIssueKind(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    EXTERNAL = "external", _("External")


class ContextIssueCategory(models.TextChoices):
    LEGAL = "legal", _("Legal and regulatory")
    TECHNOLOGICAL = "technological", _("Technological")
    SOCIETAL = "societal", _("Societal and ethical")
    ECONOMIC = "economic", _("Economic and market")
    ENVIRONMENTAL = "environmental", _("Environmental")
    ORGANISATIONAL = "organisational", _("Organisational and cultural")
    OTHER = "other", _("Other")


class InterestedPartyCategory(models.TextChoices):
    CUSTOMER = "customer", _("Customers and users")
    AFFECTED = "affected", _("Affected individuals and communities")
    EMPLOYEE = "employee", _("Employees")
    REGULATOR = "regulator", _("Regulators and authorities")
    SUPPLIER = "supplier", _("Suppliers and partners")
    INVESTOR = "investor", _("Shareholders and investors")
    OTHER = "other", _("Other")


class ConformanceStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    PARTIAL = "partial", _("Partially conformant")
    CONFORMANT = "conformant", _("Conformant")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class ObjectiveStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")
    CANCELLED = "cancelled", _("Cancelled")


class DocumentKind(models.TextChoices):
    AI_POLICY = "ai_policy", _("AI policy (5.2)")
    PROCEDURE = "procedure", _("Procedure")
    RECORD = "record", _("Record")
    PLAN = "plan", _("Plan")
    OTHER = "other", _("Other documented information")


class ApprovalStatus(models.TextChoices):
    """Where a version of an approvable record stands (``aims.models.approval``): documents,
    impact assessments, and later the SoA, audit reports and management reviews."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "XLSX"
    CSV = "csv", "CSV"
    ZIP = "zip", "ZIP"


class ReportStatus(models.TextChoices):
    """A report job's progress; ``expired`` jobs have had their file removed."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
