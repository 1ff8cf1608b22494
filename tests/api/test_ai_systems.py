"""``ai-systems/``: the AI system inventory. Systems are retired (a workflow step), never
deleted; an operational member sees and changes only the systems granted to them."""

from __future__ import annotations

from aims.models import AISystem
from tests.api_cases import APIViewTestCase
from tests.factories import (
    AISystemFactory,
    BusinessUnitFactory,
    taxonomy_item,
)


class TestAISystems(APIViewTestCase):
    basename = "ai-system"
    model = AISystem
    factory = AISystemFactory
    fields = (
        "id",
        "name",
        "version",
        "purpose",
        "business_unit",
        "lifecycle_stage",
        "organization_roles",
        "ai_type",
        "is_generative",
        "eu_ai_act_tier",
        "affected_parties",
        "owner",
        "next_review_on",
        "retired_at",
    )

    @staticmethod
    def create_data(officer):
        return [
            {"name": "Applicant screener", "purpose": "Shortlists job applications"},
            {
                "name": "Customer chat assistant",
                "version": "2.1",
                "purpose": "Answers customers' questions",
                "business_unit": BusinessUnitFactory().pk,
                "lifecycle_stage": "operation",
                "organization_roles": ["provider", "business_user"],
                "ai_type": "generative",
                "is_generative": True,
                "eu_ai_act_tier": "limited",
                "affected_parties": [taxonomy_item("affected-parties", "individuals").pk],
                "owner": officer.pk,
                "review_interval_days": 365,
                "next_review_on": "2026-04-01",
            },
        ]

    update_data = {"purpose": "Ranks job applications", "lifecycle_stage": "deployment"}

    @staticmethod
    def bad_create_data():
        taken = AISystemFactory(version="1.0")
        return [
            ("purpose", {"name": "Purposeless"}),
            ("lifecycle_stage", {"name": "x", "purpose": "y", "lifecycle_stage": "dormant"}),
            # Retiring is a step of its own (POST …/retire/), not a stage one writes.
            ("lifecycle_stage", {"name": "x", "purpose": "y", "lifecycle_stage": "retired"}),
            ("organization_roles", {"name": "x", "purpose": "y", "organization_roles": ["god"]}),
            (
                "affected_parties",
                {
                    "name": "x",
                    "purpose": "y",
                    "affected_parties": [taxonomy_item("impact-areas", "privacy").pk],
                },
            ),
            ("non_field_errors", {"name": taken.name, "version": "1.0", "purpose": "Again"}),
        ]

    bad_update_data = [("lifecycle_stage", {"lifecycle_stage": "retired"})]

    @staticmethod
    def of_system(system):
        return system


class TestAISystemsWrittenByAnOperationalMember(TestAISystems):
    """An operational member registers systems (and is granted what they register) and
    changes the systems granted to them."""

    writer = "operator"

    @staticmethod
    def factory(operator):
        return AISystemFactory(granted_to=[operator])

    @staticmethod
    def create_data():
        return [{"name": "Demand forecaster", "purpose": "Plans stock"}]
