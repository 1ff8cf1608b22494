"""``documents/``: documented information (the AI policy, procedures, records) with its
versions. Documents are superseded, never deleted; the workflow steps are actions."""

from __future__ import annotations

from aims.models import Document
from tests.api_cases import APIViewTestCase
from tests.factories import DocumentFactory


class TestDocuments(APIViewTestCase):
    basename = "document"
    model = Document
    factory = DocumentFactory
    fields = (
        "id",
        "title",
        "kind",
        "description",
        "owner",
        "review_interval_days",
        "next_review_on",
        "versions",
        "created_at",
        "updated_at",
    )
    not_writers = ("operator", "executive", "auditor", "external_auditor", "viewer")
    create_data = [
        {"title": "AI policy", "kind": "ai_policy", "content": "We develop and use AI that…"},
        {
            "title": "Impact assessment procedure",
            "description": "How impact assessments are done",
            "review_interval_days": 365,
            "next_review_on": "2026-04-01",
        },
    ]
    update_data = {"title": "AI policy (group)", "review_interval_days": 180}
    bad_create_data = [
        ("title", {"kind": "procedure", "content": "Untitled"}),
        ("kind", {"title": "Memo", "kind": "memo"}),
        ("review_interval_days", {"title": "x", "review_interval_days": -1}),
    ]
    bad_update_data = [("title", {"title": ""})]
