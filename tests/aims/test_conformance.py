"""Clause conformance: a row per assessable ISO/IEC 42001 clause, progress per clause group."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aims.models import ChangeRecord, ClauseAssessment
from aims.registry import registry

ISO_FILE = Path(__file__).resolve().parents[2] / "library" / "frameworks" / "iso-iec-42001.yaml"


@pytest.fixture
def clauses(db):
    call_command("load_library", str(ISO_FILE))
    return {
        row.requirement.ref_id: row
        for row in ClauseAssessment.objects.select_related("requirement")
    }


def test_loading_the_standard_creates_one_row_per_assessable_clause(clauses):
    assert len(clauses) == 32
    assert {"4.1", "6.1.4", "6.3", "10.2"} <= set(clauses)
    assert not any(ref.startswith("A.") for ref in clauses)  # Annex A belongs to the SoA
    assert "6.1" not in clauses  # headings are not assessed
    call_command("load_library", str(ISO_FILE))
    assert ClauseAssessment.objects.count() == 32


def test_officer_updates_and_progress_follows(clauses, officer, api_client_for, client_for):
    client = api_client_for(officer)
    row = clauses["6.1.2"]
    response = client.patch(
        reverse("api:clause-assessment-detail", args=[row.pk]),
        {"status": "conformant", "notes": "Risk procedure RP-01"},
    )
    assert response.status_code == 200, response.content
    assert ChangeRecord.objects.filter(action="update", object_id=str(row.pk)).exists()
    summary = {
        g["group"]: g for g in client_for(officer).get(reverse("conformance")).context["summary"]
    }
    assert summary["6"]["conformant"] == 1 and summary["6"]["total"] == 6  # 6.1.1-6.1.4, 6.2, 6.3
    assert summary["6"]["percent_done"] == 17
    filtered = client.get(reverse("api:clause-assessment-list"), {"clause": "6.1"}).json()
    assert [r["ref_id"] for r in filtered["results"]] == ["6.1.1", "6.1.2", "6.1.3", "6.1.4"]


def test_not_applicable_needs_a_reason(clauses, officer, api_client_for):
    row = clauses["4.4"]
    url = reverse("api:clause-assessment-detail", args=[row.pk])
    refused = api_client_for(officer).patch(url, {"status": "not_applicable"})
    assert refused.status_code == 400
    assert "not_applicable_reason" in refused.json()["error"]["fields"]
    row.refresh_from_db()
    assert row.status == "not_started"


@pytest.mark.parametrize("role_fixture", ["operator", "executive", "auditor"])
def test_only_officers_change_conformance(clauses, request, role_fixture, api_client_for):
    user = request.getfixturevalue(role_fixture)
    row = clauses["5.2"]
    response = api_client_for(user).patch(
        reverse("api:clause-assessment-detail", args=[row.pk]), {"status": "conformant"}
    )
    assert response.status_code == 403


def test_edit_page_and_dashboard(clauses, officer, client_for):
    client = client_for(officer)
    row = clauses["5.2"]
    response = client.post(
        reverse("clause_assessment_edit", args=[row.pk]),
        {"status": "partial", "notes": "Policy drafted"},
    )
    assert response.status_code == 302
    home = client.get(reverse("home"))
    (panel,) = [p for p in home.context["panels"] if p["code"] == "conformance"]
    assert any(g["group"] == "5" and g["partial"] == 1 for g in panel["groups"])


def test_conformance_page_runs_a_constant_number_of_queries(clauses, officer, client_for):
    client = client_for(officer)
    client.get(reverse("conformance"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("conformance"))
    # 10 for the page, one aggregate per kind of live evidence (risks and their criteria,
    # impact assessments and uncovered systems, AI policy, objectives), and the SoA's state
    # for 6.1.3 (its working and approved versions, the working version's rows with their
    # controls and evidence, what relies on them, the waivers): see
    # tests/aims/test_dashboard.py for the same count with many records. So: 10 for the SoA's
    # state, and one aggregate for each of the other sources the apps register.
    assert len(queries) <= 20 + len(registry.evidence_sources)


def test_documents_are_linked_as_evidence_of_conformance(clauses, officer, api_client_for):
    from aims.services.documents import document_create

    policy = document_create(actor=officer, title="AI policy", kind="ai_policy", content="p")
    row = clauses["5.2"]
    url = reverse("api:clause-assessment-detail", args=[row.pk])
    response = api_client_for(officer).patch(url, {"documents": [policy.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["documents"] == [policy.pk]
    record = ChangeRecord.objects.filter(object_id=str(row.pk), action="update").latest("id")
    assert record.after["documents"] == [policy.pk]
