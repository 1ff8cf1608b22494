"""``risk-actions/``: the treatment actions of risks (filter ``risk``). Actions are
cancelled, never deleted."""

from __future__ import annotations

from risk.models import TreatmentAction
from tests.api_cases import APIViewTestCase
from tests.factories import RiskFactory, TreatmentActionFactory, taxonomy_item


class TestRiskActions(APIViewTestCase):
    basename = "risk-action"
    model = TreatmentAction
    factory = TreatmentActionFactory
    fields = ("id", "risk", "title", "description", "owner", "due_on", "status", "controls")

    @staticmethod
    def create_data(officer):
        return [
            {"risk": RiskFactory().pk, "title": "Monitor drift monthly"},
            {
                "risk": RiskFactory().pk,
                "title": "Bias audit by a third party",
                "description": "Yearly, on a sample of 1,000 decisions.",
                "due_on": "2026-05-31",
                "status": "in_progress",
                "owner": officer.pk,
            },
        ]

    update_data = {"status": "cancelled", "due_on": "2026-09-30"}

    @staticmethod
    def bad_create_data():
        risk = RiskFactory().pk
        closed = RiskFactory(status="closed", closed_reason="System retired").pk
        return [
            ("risk", {"title": "Homeless action"}),
            ("risk", {"risk": 999999, "title": "x"}),
            ("title", {"risk": risk}),
            ("status", {"risk": risk, "title": "x", "status": "someday"}),
            (
                "controls",
                {
                    "risk": risk,
                    "title": "x",
                    "controls": [taxonomy_item("impact-areas", "privacy").pk],
                },
            ),
            ("non_field_errors", {"risk": closed, "title": "Too late"}),
        ]

    @staticmethod
    def bad_update_data():
        return [("risk", {"risk": RiskFactory().pk}), ("due_on", {"due_on": "soon"})]

    @staticmethod
    def of_system(system):
        return TreatmentActionFactory(risk__ai_systems=[system])
