"""``objectives/``: AI objectives (6.2), linked to AI systems, with measured results (9.1)."""

from __future__ import annotations

from aims.models import Objective
from tests.api_cases import APIViewTestCase
from tests.factories import AISystemFactory, ObjectiveResultFactory


def objective_with_a_result():
    return ObjectiveResultFactory().objective


class TestObjectives(APIViewTestCase):
    basename = "objective"
    model = Objective
    factory = staticmethod(objective_with_a_result)  # results are listed with the objective
    fields = (
        "id",
        "title",
        "target",
        "measure",
        "plan",
        "due_on",
        "status",
        "owner",
        "ai_systems",
        "results",
    )
    can_delete = True
    not_writers = ("operator", "executive", "auditor", "external_auditor", "viewer")

    @staticmethod
    def create_data(officer):
        return [
            {"title": "Organisation-wide literacy", "target": "Every owner trained"},
            {
                "title": "Fair shortlisting",
                "target": "Selection-rate gap below 2 points",
                "measure": "Quarterly four-fifths test",
                "due_on": "2026-03-31",
                "status": "in_progress",
                "owner": officer.pk,
                "ai_systems": [AISystemFactory().pk, AISystemFactory().pk],
            },
        ]

    @staticmethod
    def update_data():
        return {"status": "achieved", "ai_systems": [AISystemFactory().pk]}

    bad_create_data = [
        ("target", {"title": "No target"}),
        ("status", {"title": "x", "target": "y", "status": "dreaming"}),
        ("ai_systems", {"title": "x", "target": "y", "ai_systems": [999999]}),
        ("due_on", {"title": "x", "target": "y", "due_on": "next spring"}),
    ]
    bad_update_data = [("title", {"title": ""})]
