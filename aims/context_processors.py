from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from aims import selectors
from aims.roles import Capability, has_capability

# The product's areas. Those not built yet are shown, marked as coming, so the shape of the
# product is visible; each becomes a link when its feature lands.
AREAS = [
    ("context", _("Context and scope"), "/context/"),
    ("documents", _("Documents"), "/documents/"),
    ("objectives", _("Objectives"), "/objectives/"),
    ("conformance", _("Clause conformance"), "/conformance/"),
    ("ai_systems", _("AI systems"), "/ai-systems/"),
    ("risks", _("Risks"), "/risks/"),
    ("impact", _("Impact assessments"), "/impact-assessments/"),
    ("controls", _("Controls and SoA"), None),
    ("audits", _("Audits"), None),
    ("reports", _("Reports"), "/reports/"),
    ("library", _("Reference library"), "/library/"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    can_export = has_capability(user, Capability.EXPORT)
    return {
        "nav_areas": [area for area in AREAS if area[0] != "reports" or can_export],
        "nav_unread": selectors.notification_unread_count(user=user),
        "can_see_records": has_capability(user, Capability.SEE_RECORDS),
        "can_manage_users": has_capability(user, Capability.MANAGE_USERS),
        "can_hold_tokens": has_capability(user, Capability.OWN_API_TOKENS),
    }
