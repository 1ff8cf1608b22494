"""``reports/``: report jobs. ``POST`` queues one (202) for a background worker; a job is
seen by whoever requested it. Jobs are not governed records: no change record."""

from __future__ import annotations

from aims.models import ReportJob
from tests.api_cases import APIViewTestCase
from tests.factories import ReportJobFactory


class TestReports(APIViewTestCase):
    basename = "report"
    model = ReportJob
    fields = (
        "id",
        "kind",
        "format",
        "language",
        "parameters",
        "status",
        "requested_by",
        "created_at",
        "download_url",
    )
    reader = "officer"
    create_status = 202
    logged = False
    can_update = False
    not_writers = ("viewer",)
    create_data = [
        {"kind": "ai_system_inventory", "format": "csv", "language": "en"},
        {"kind": "ai_system_inventory", "format": "xlsx", "lifecycle_stage": "operation"},
    ]
    bad_create_data = [
        ("kind", {"kind": "horoscope", "format": "csv"}),
        ("format", {"kind": "ai_system_inventory", "format": "docx"}),
        ("colour", {"kind": "ai_system_inventory", "format": "csv", "colour": "red"}),
        (
            "lifecycle_stage",
            {"kind": "ai_system_inventory", "format": "csv", "lifecycle_stage": "x"},
        ),
    ]

    @staticmethod
    def factory(officer):
        return ReportJobFactory(requested_by=officer)

    @staticmethod
    def of_user(user):
        return ReportJobFactory(requested_by=user)
