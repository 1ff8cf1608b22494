from audit.models.nonconformity import CorrectiveAction, Nonconformity
from audit.models.pack import EvidencePack
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
    "EvidencePack",
    "Finding",
    "ImpartialityDeclaration",
    "ManagementReview",
    "Nonconformity",
    "ReviewAction",
]
