"""Context of the organisation (4.1–4.3): officers maintain it, everyone in scope reads it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aims.models import BusinessUnit, ChangeRecord, ContextIssue, InterestedParty, Organization
from aims.services.inventory import ai_system_create
from aims.services.records import record_create


def test_officer_maintains_context_through_the_api(officer, api_client_for):
    client = api_client_for(officer)
    created = client.post(
        reverse("api:context-issue-list"),
        {
            "title": "Regulation of AI in the EU",
            "kind": "external",
            "category": "legal",
            "effect": "High-risk obligations for the recruitment system",
        },
    )
    assert created.status_code == 201, created.content
    issue_id = created.json()["id"]
    patched = client.patch(
        reverse("api:context-issue-detail", args=[issue_id]), {"category": "societal"}
    )
    assert patched.status_code == 200
    assert client.delete(reverse("api:context-issue-detail", args=[issue_id])).status_code == 204
    actions = list(
        ChangeRecord.objects.filter(content_type__model="contextissue", object_id=str(issue_id))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
    call = client.post(
        reverse("api:interested-party-list"),
        {
            "name": "Job applicants",
            "category": "affected",
            "needs_and_expectations": "Fair and explainable screening",
        },
    )
    assert call.status_code == 201


@pytest.mark.parametrize("role_fixture", ["operator", "executive", "auditor", "viewer"])
def test_only_officers_write_context(request, role_fixture, api_client_for):
    user = request.getfixturevalue(role_fixture)
    response = api_client_for(user).post(
        reverse("api:context-issue-list"), {"title": "x", "kind": "internal"}
    )
    assert response.status_code == 403
    assert not ContextIssue.objects.exists()


def test_bad_input_changes_nothing(officer, api_client_for):
    client = api_client_for(officer)
    response = client.post(reverse("api:context-issue-list"), {"title": "x", "kind": "sideways"})
    assert response.status_code == 400 and "kind" in response.json()["error"]["fields"]
    response = client.post(reverse("api:interested-party-list"), {"name": "No needs"})
    assert "needs_and_expectations" in response.json()["error"]["fields"]
    assert not ContextIssue.objects.exists() and not InterestedParty.objects.exists()


def test_a_business_unit_in_use_cannot_be_deleted(officer, api_client_for):
    unit = record_create(actor=None, model=BusinessUnit, name="Ops")
    ai_system_create(actor=None, name="S", purpose="p", business_unit=unit)
    response = api_client_for(officer).delete(
        reverse("api:business-unit-detail", args=[unit.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "in use" in response.json()["error"]["fields"]["non_field_errors"][0]
    assert BusinessUnit.objects.filter(pk=unit.pk).exists()
    assert not ChangeRecord.objects.filter(action="delete").exists()


def test_scope_statement_through_the_ui(officer, client_for):
    org = record_create(actor=None, model=Organization, name="Example K.K.")
    client = client_for(officer)
    response = client.post(
        reverse("organization_edit", args=[org.pk]),
        {
            "name": "Example K.K.",
            "scope_statement": "All AI systems of the Tokyo office",
            "scope_exclusions": "Research prototypes",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("context")).content.decode()
    assert "All AI systems of the Tokyo office" in page


def test_context_page_runs_constant_queries(officer, client_for):
    client = client_for(officer)
    counts = []
    for total in (1, 30):
        while ContextIssue.objects.count() < total:
            number = ContextIssue.objects.count()
            record_create(actor=None, model=ContextIssue, title=f"Issue {number}", kind="internal")
            record_create(
                actor=None,
                model=InterestedParty,
                name=f"Party {InterestedParty.objects.count()}",
                needs_and_expectations="n",
            )
        client.get(reverse("context"))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("context"))
        counts.append(len(queries))
    assert counts[0] == counts[1]
