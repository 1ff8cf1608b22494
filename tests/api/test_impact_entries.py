"""``impact-entries/``: the consequences recorded in impact assessments (filter
``assessment``). They are added through ``impact-assessments/{id}/entries/``, so the list
offers no create; they change and go while their assessment is a draft."""

from __future__ import annotations

from impact.models import ImpactEntry
from tests.api_cases import APIViewTestCase
from tests.factories import ImpactEntryFactory, RiskFactory, taxonomy_item


class TestImpactEntries(APIViewTestCase):
    basename = "impact-entry"
    model = ImpactEntry
    factory = ImpactEntryFactory
    fields = (
        "id",
        "assessment",
        "party_type",
        "impact_area",
        "nature",
        "description",
        "severity",
        "likelihood",
        "level",
        "reversibility",
        "risks",
    )
    can_create = False
    can_delete = True
    update_data = {"description": "Wrongly flagged as suspect", "severity": 3, "likelihood": 2}

    @staticmethod
    def bad_update_data():
        return [
            ("level", {"level": "low"}),
            ("severity", {"severity": 4}),
            ("party_type", {"party_type": taxonomy_item("impact-areas", "privacy").pk}),
            ("impact_area", {"impact_area": taxonomy_item("affected-parties", "individuals").pk}),
            ("risks", {"risks": [RiskFactory().pk]}),  # a risk of another AI system
            ("nature", {"nature": "neutral"}),
        ]

    @staticmethod
    def of_system(system):
        return ImpactEntryFactory(assessment__ai_system=system)
