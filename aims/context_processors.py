from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from aims import selectors
from aims.registry import registry
from aims.roles import Capability, has_capability


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The main navigation: the areas the apps registered, in their order. An area not built
    yet (no ``url_name``) stays out of the navigation until it is."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    areas = [
        (entry.code, entry.label, reverse(entry.url_name))
        for entry in registry.navigation()
        if entry.url_name and (entry.capability is None or has_capability(user, entry.capability))
    ]
    return {
        "nav_areas": areas,
        "nav_unread": selectors.notification_unread_count(user=user),
        # Counted by the inbox page itself; any other page asks for the badge once it is
        # shown (``inbox_badge``), so no page waits for the count of every inbox source.
        "nav_inbox": getattr(request, "aims_inbox_total", None),
        "can_see_records": has_capability(user, Capability.SEE_RECORDS),
        "can_manage_users": has_capability(user, Capability.MANAGE_USERS),
        "can_hold_tokens": has_capability(user, Capability.OWN_API_TOKENS),
    }
