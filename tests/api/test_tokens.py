"""``tokens/``: personal API tokens. The token string is returned once, by the create call;
``DELETE`` revokes (the row stays for the record); tokens never change otherwise."""

from __future__ import annotations

from aims.choices import Action
from aims.models import ApiToken
from tests.api_cases import APIViewTestCase
from tests.factories import ApiTokenFactory


class TestTokens(APIViewTestCase):
    basename = "token"
    model = ApiToken
    fields = (
        "id",
        "name",
        "user",
        "prefix",
        "scope",
        "status",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    reader = "operator"  # holds tokens; the viewer role does not
    can_update = False
    can_delete = True
    delete_action = Action.REVOKE
    not_writers = ("executive", "external_auditor", "viewer")
    create_data = [
        {"name": "CI pipeline", "scope": "read"},
        {"name": "Inventory sync", "scope": "write", "days": 7},
    ]
    bad_create_data = [
        ("name", {"name": "", "scope": "read"}),
        ("scope", {"name": "x", "scope": "admin"}),
        ("days", {"name": "x", "scope": "read", "days": 0}),
        ("days", {"name": "x", "scope": "read", "days": 100000}),
    ]

    @staticmethod
    def factory(operator):
        return ApiTokenFactory(user=operator)

    @staticmethod
    def of_user(user):
        return ApiTokenFactory(user=user)

    def assert_deleted(self, pk):
        token = ApiToken.objects.get(pk=pk)  # revoked, kept for the record
        assert token.status == "revoked"
