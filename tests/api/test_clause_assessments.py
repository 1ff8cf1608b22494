"""``clause-assessments/``: conformance to the clauses of ISO/IEC 42001. The rows are made
by loading the standard (one per assessable clause), so the API offers no create or delete."""

from __future__ import annotations

from aims.models import ClauseAssessment
from tests.api_cases import APIViewTestCase
from tests.factories import ClauseAssessmentFactory, DocumentFactory


class TestClauseAssessments(APIViewTestCase):
    basename = "clause-assessment"
    model = ClauseAssessment
    factory = ClauseAssessmentFactory
    fields = (
        "id",
        "requirement",
        "requirement_urn",
        "ref_id",
        "name_en",
        "name_ja",
        "status",
        "owner",
        "notes",
        "not_applicable_reason",
        "documents",
        "updated_at",
    )
    can_create = False
    not_writers = ("operator", "executive", "auditor", "external_auditor", "viewer")

    @staticmethod
    def update_data(officer):
        return {
            "status": "conformant",
            "notes": "Context reviewed yearly (record CR-04).",
            "owner": officer.pk,
            "documents": [DocumentFactory().pk],
        }

    bad_update_data = [
        ("not_applicable_reason", {"status": "not_applicable"}),
        ("status", {"status": "done"}),
        ("documents", {"documents": [999999]}),
    ]
