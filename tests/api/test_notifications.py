"""``notifications/``: the signed-in user's notifications. Read-only but for the ``read``
and ``read-all`` actions; nobody sees another user's notifications."""

from __future__ import annotations

from aims.models import Notification
from tests.api_cases import APIViewTestCase
from tests.factories import NotificationFactory


class TestNotifications(APIViewTestCase):
    basename = "notification"
    model = Notification
    fields = ("id", "kind", "subject", "body", "url", "created_at", "read_at", "read")
    reader = writer = "viewer"
    can_create = can_update = False
    logged = False

    @staticmethod
    def factory(viewer):
        return NotificationFactory(recipient=viewer)

    @staticmethod
    def of_user(user):
        return NotificationFactory(recipient=user)
