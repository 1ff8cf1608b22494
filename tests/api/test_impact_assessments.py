"""``impact-assessments/``: AI system impact assessments (6.1.4). Drafts change; the
workflow (submit, approve, return, new version) is made of actions; nothing is deleted."""

from __future__ import annotations

from impact.models import ImpactAssessment
from tests.api_cases import APIViewTestCase
from tests.factories import (
    AISystemFactory,
    ImpactAssessmentFactory,
    RiskFactory,
    RiskMatrixFactory,
)


def assessment(system, **extra):
    return {
        "ai_system": system.pk,
        "assessed_on": "2025-09-10",
        "intended_use": "Screens job applications",
        "severity": 2,
        "likelihood": 3,
        **extra,
    }


class TestImpactAssessments(APIViewTestCase):
    basename = "impact-assessment"
    model = ImpactAssessment
    factory = ImpactAssessmentFactory
    fields = (
        "id",
        "ai_system",
        "system_version",
        "number",
        "assessed_on",
        "intended_use",
        "matrix",
        "severity",
        "likelihood",
        "level",
        "reflected_risks",
        "status",
        "author",
        "entries",
    )

    @staticmethod
    def create_data(officer):
        system = AISystemFactory(version="2.2")
        return [
            assessment(AISystemFactory()),
            assessment(
                system,
                assessed_on="2025-10-01",
                responsible=officer.pk,
                responsible_role="Head of information security",
                scope=["use"],
                foreseeable_misuse="Watching people who are not suspects",
                affected_parties=["individuals", "society"],
                potential_impacts="Discrimination; intrusion into privacy",
                matrix=RiskMatrixFactory(code="5x5").pk,
                severity=4,
                likelihood=2,
                stakeholders_to_be_informed=True,
                human_judgment={"reliability": "Lower than a trained guard's"},
                human_judgment_decision="human_reviews",
                social_acceptance="active_explanation",
                pia_treatment="reduce",
                reflected_risks=[RiskFactory(ai_systems=[system]).pk],
            ),
        ]

    update_data = {"intended_use": "Screens and ranks job applications", "severity": 3}

    @staticmethod
    def bad_create_data():
        system = AISystemFactory()
        return [
            ("ai_system", {"intended_use": "x", "severity": 1, "likelihood": 1}),
            ("level", assessment(system, level="low")),
            ("severity", assessment(system, severity=4)),  # the 3 × 3 matrix by default
            ("scope", assessment(system, scope=["sell"])),
            ("human_judgment", assessment(system, human_judgment={"astrology": "no"})),
            ("intended_use", assessment(system, intended_use="")),
            # A risk of another system: the error names the API's field, not the model's.
            (
                "reflected_risks",
                assessment(
                    system, reflected_risks=[RiskFactory(ai_systems=[AISystemFactory()]).pk]
                ),
            ),
        ]

    @staticmethod
    def bad_update_data():
        return [
            ("ai_system", {"ai_system": AISystemFactory().pk}),
            ("level", {"level": "high"}),
            ("likelihood", {"likelihood": 0}),
        ]

    @staticmethod
    def of_system(system):
        return ImpactAssessmentFactory(ai_system=system)
