from audit.models.nonconformity import CorrectiveAction, Nonconformity
from audit.models.programme import (
    Audit,
    AuditorAccess,
    AuditProgramme,
    AuditReport,
    ChecklistRow,
    Finding,
    ImpartialityDeclaration,
)
from audit.models.review import ManagementReview, ReviewAction

__all__ = [
    "Audit",
    "AuditProgramme",
    "AuditReport",
    "AuditorAccess",
    "ChecklistRow",
    "CorrectiveAction",
    "Finding",
    "ImpartialityDeclaration",
    "ManagementReview",
    "Nonconformity",
    "ReviewAction",
]
