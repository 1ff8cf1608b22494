"""``context-issues/``: internal and external issues of the organisation's context (4.1)."""

from __future__ import annotations

from aims.models import ContextIssue
from tests.api_cases import APIViewTestCase
from tests.factories import ContextIssueFactory


class TestContextIssues(APIViewTestCase):
    basename = "context-issue"
    model = ContextIssue
    factory = ContextIssueFactory
    fields = ("id", "title", "kind", "category", "description", "effect", "owner", "updated_at")
    can_delete = True
    not_writers = ("operator", "executive", "auditor", "external_auditor", "viewer")
    create_data = [
        {"title": "Staff shortage in data science", "kind": "internal"},
        {
            "title": "EU AI Act obligations apply from 2026",
            "kind": "external",
            "category": "legal",
            "description": "High-risk systems need conformity assessment.",
            "effect": "Inventory classified by tier; owners named.",
        },
    ]
    update_data = {"category": "societal", "effect": "Raised in the management review."}
    bad_create_data = [
        ("kind", {"title": "No kind"}),
        ("kind", {"title": "Sideways", "kind": "sideways"}),
        ("title", {"kind": "internal"}),
        ("category", {"title": "x", "kind": "internal", "category": "weather"}),
    ]
    bad_update_data = [("kind", {"kind": "both"})]
