from aims.models.accounts import ApiToken, RoleGrant, UserProfile
from aims.models.base import GovernedModel, ReviewableModel, TimeStampedModel
from aims.models.changelog import ChangeRecord
from aims.models.competence import CompetenceRecord, CompetenceRole, CompetenceState
from aims.models.conformance import ClauseAssessment
from aims.models.context import ContextIssue, InterestedParty
from aims.models.documents import Document, DocumentVersion
from aims.models.inventory import AISystem, BusinessUnit
from aims.models.library import Framework, Mapping, MappingSet, Requirement
from aims.models.notifications import Notification
from aims.models.objectives import Objective, ObjectiveResult
from aims.models.organization import Organization
from aims.models.reminders import ReviewReminder
from aims.models.reports import ReportJob

__all__ = [
    "AISystem",
    "BusinessUnit",
    "ApiToken",
    "ChangeRecord",
    "RoleGrant",
    "ClauseAssessment",
    "CompetenceRecord",
    "CompetenceRole",
    "CompetenceState",
    "ContextIssue",
    "Document",
    "DocumentVersion",
    "Framework",
    "Mapping",
    "MappingSet",
    "GovernedModel",
    "InterestedParty",
    "Notification",
    "Objective",
    "ObjectiveResult",
    "Organization",
    "ReportJob",
    "Requirement",
    "ReviewReminder",
    "ReviewableModel",
    "TimeStampedModel",
    "UserProfile",
]
