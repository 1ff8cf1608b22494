from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from aims import selectors
from aims.inbox import inbox_total
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
        # Counted (one query) only when a page shows the navigation.
        "nav_inbox": SimpleLazyObject(lambda: _inbox_total(request, user)),
        "can_see_records": has_capability(user, Capability.SEE_RECORDS),
        "can_manage_users": has_capability(user, Capability.MANAGE_USERS),
        "can_hold_tokens": has_capability(user, Capability.OWN_API_TOKENS),
    }


def _inbox_total(request: HttpRequest, user: Any) -> int:
    """The inbox page counts it already; other pages count it here (one query)."""
    known = getattr(request, "aims_inbox_total", None)
    return known if known is not None else inbox_total(user)
