from aims.models.accounts import ApiToken, UserProfile
from aims.models.base import GovernedModel, ReviewableModel, TimeStampedModel
from aims.models.changelog import ChangeRecord
from aims.models.notifications import Notification
from aims.models.organization import Organization

__all__ = [
    "ApiToken",
    "ChangeRecord",
    "GovernedModel",
    "Notification",
    "Organization",
    "ReviewableModel",
    "TimeStampedModel",
    "UserProfile",
]
