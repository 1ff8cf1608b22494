"""``interested-parties/``: interested parties with their needs and expectations (4.2)."""

from __future__ import annotations

from aims.models import InterestedParty
from tests.api_cases import APIViewTestCase
from tests.factories import InterestedPartyFactory


class TestInterestedParties(APIViewTestCase):
    basename = "interested-party"
    model = InterestedParty
    factory = InterestedPartyFactory
    fields = (
        "id",
        "name",
        "category",
        "description",
        "needs_and_expectations",
        "addressed_by_aims",
        "owner",
    )
    can_delete = True
    not_writers = ("operator", "executive", "auditor", "external_auditor", "viewer")
    create_data = [
        {"name": "Job applicants", "needs_and_expectations": "Fair and explained decisions"},
        {
            "name": "Data protection authority",
            "category": "regulator",
            "needs_and_expectations": "Lawful processing; notified breaches",
            "addressed_by_aims": False,
        },
    ]
    update_data = {"addressed_by_aims": False, "description": "Out of the AIMS for now."}
    bad_create_data = [
        ("needs_and_expectations", {"name": "Silent party"}),
        ("name", {"needs_and_expectations": "Anything"}),
        ("category", {"name": "x", "needs_and_expectations": "y", "category": "aliens"}),
    ]
    bad_update_data = [("needs_and_expectations", {"needs_and_expectations": ""})]
