"""``risks/``: the AI risk register. Levels are derived on the server; risks are closed,
never deleted; acceptance is a workflow step (``…/accept/``)."""

from __future__ import annotations

from risk.models import Risk
from tests.api_cases import APIViewTestCase
from tests.factories import AISystemFactory, RiskFactory, RiskMatrixFactory, taxonomy_item


def risk(**extra):
    return {"title": "Biased shortlists", "inherent_likelihood": 3, "inherent_impact": 4, **extra}


class TestRisks(APIViewTestCase):
    basename = "risk"
    model = Risk
    factory = RiskFactory
    fields = (
        "id",
        "code",
        "title",
        "ai_systems",
        "categories",
        "matrix",
        "inherent_likelihood",
        "inherent_impact",
        "inherent_level",
        "residual_likelihood",
        "residual_impact",
        "residual_level",
        "treatment_option",
        "status",
        "owner",
        "acceptance",
    )

    @staticmethod
    def create_data(officer):
        system, other = AISystemFactory(), AISystemFactory()
        return [
            risk(ai_systems=[system.pk]),
            risk(
                title="Prompt injection",
                description="Instructions hidden in documents change the answers.",
                ai_systems=[system.pk, other.pk],
                matrix=RiskMatrixFactory(code="3x3").pk,
                inherent_likelihood=3,
                inherent_impact=3,
                residual_likelihood=1,
                residual_impact=2,
                treatment_option="change_likelihood",
                treatment_plan="Filter retrieved text; human review of actions.",
                categories=[taxonomy_item("ai-risk-categories", "security").pk],
                owner=officer.pk,
                review_interval_days=90,
                next_review_on="2026-06-30",
            ),
            risk(title="Loss of AI literacy", ai_systems=[]),  # organisation-wide
        ]

    update_data = {"title": "Biased shortlists (reworded)", "residual_likelihood": 1}

    @staticmethod
    def bad_create_data():
        system = AISystemFactory().pk
        return [
            ("title", {"ai_systems": [system], "inherent_likelihood": 1, "inherent_impact": 1}),
            ("inherent_impact", risk(ai_systems=[system], inherent_impact=6)),
            ("residual_level", risk(ai_systems=[system], residual_level="very_low")),
            ("ai_systems", risk(ai_systems=[999999])),
            ("status", risk(ai_systems=[system], status="accepted")),
            (
                "categories",
                risk(ai_systems=[system], categories=[taxonomy_item("impact-areas", "privacy").pk]),
            ),
        ]

    bad_update_data = [
        ("inherent_level", {"inherent_level": "very_high"}),
        ("residual_likelihood", {"residual_likelihood": 0}),
        ("status", {"status": "accepted"}),
        # Closing needs a reason, named on its field (not the database constraint's name).
        ("closed_reason", {"status": "closed"}),
    ]

    @staticmethod
    def of_system(system):
        return RiskFactory(ai_systems=[system])


class TestRisksWrittenByAnOperationalMember(TestRisks):
    """An operational member registers and changes the risks of the systems granted to them,
    and must name at least one of them."""

    writer = "operator"

    @staticmethod
    def factory(operator):
        return RiskFactory(ai_systems=[AISystemFactory(granted_to=[operator])])

    @staticmethod
    def create_data(operator):
        return [risk(ai_systems=[AISystemFactory(granted_to=[operator]).pk])]

    @staticmethod
    def bad_create_data(operator):
        return [
            ("ai_systems", risk(ai_systems=[])),
            ("ai_systems", risk(ai_systems=[AISystemFactory().pk])),  # not granted
            (
                "inherent_impact",
                risk(ai_systems=[AISystemFactory(granted_to=[operator]).pk], inherent_impact=9),
            ),
        ]
