"""Every write of the core app. Keyword-only, typed, atomic, actor passed in explicitly.

Split by sub-domain; everything is importable from ``aims.services``.
"""

from aims.services.accounts import (
    Actor,
    notification_create,
    notification_send_email,
    notifications_mark_read,
    profile_for,
    profile_update,
    token_create,
    token_digest,
    token_revoke,
    token_touch,
    user_create,
    user_set_password,
    user_update,
)
from aims.services.library import LibraryOutcome, library_load

__all__ = [
    "Actor",
    "LibraryOutcome",
    "library_load",
    "notification_create",
    "notification_send_email",
    "notifications_mark_read",
    "profile_for",
    "profile_update",
    "token_create",
    "token_digest",
    "token_revoke",
    "token_touch",
    "user_create",
    "user_set_password",
    "user_update",
]
