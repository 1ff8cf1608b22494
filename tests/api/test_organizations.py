"""``organizations/``: the organisation and the scope statement of its AIMS (4.3)."""

from __future__ import annotations

from aims.models import Organization
from tests.api_cases import APIViewTestCase
from tests.factories import OrganizationFactory


class TestOrganizations(APIViewTestCase):
    basename = "organization"
    model = Organization
    factory = OrganizationFactory
    fields = (
        "id",
        "name",
        "name_ja",
        "description",
        "scope_statement",
        "scope_exclusions",
        "owner",
    )
    can_delete = True
    not_writers = ("operator", "executive", "auditor", "external_auditor", "viewer")
    create_data = [
        {"name": "Example Corp", "name_ja": "例示株式会社"},
        {
            "name": "Example Holdings",
            "scope_statement": "AI systems developed and used in Japan.",
            "scope_exclusions": "Subsidiaries abroad (separate AIMS).",
        },
    ]
    update_data = {"scope_statement": "Every AI system of the group."}

    @staticmethod
    def bad_create_data():
        return [
            ("name", {"name_ja": "名無し"}),
            ("name", {"name": OrganizationFactory().name}),
        ]

    bad_update_data = [("name", {"name": ""})]
