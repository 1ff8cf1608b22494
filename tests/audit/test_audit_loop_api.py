"""DESIGN §6 and issue 13's promise, end to end through the API: programme → audit →
checklist → finding → nonconformity → corrective action → verification → closure, and the
management review of the same period lists that nonconformity among its inputs."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from aims.choices import Role
from tests.conftest import logged_in_api_client
from tests.factories import AISystemFactory, RequirementFactory, UserFactory
from tests.factories.audit import make_internal_auditor, make_officer

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


def test_the_whole_loop_runs_through_the_api_and_reaches_the_management_review():
    lead = make_internal_auditor("loop_lead")
    verifier = make_internal_auditor("loop_verifier")
    officer = make_officer()
    operator = UserFactory(username="loop_operator", roles=[Role.OPERATIONAL_MEMBER])
    executive = UserFactory(username="loop_executive", roles=[Role.TOP_MANAGEMENT])
    system = AISystemFactory(granted_to=[operator])
    requirement = RequirementFactory()
    today = timezone.localdate()
    auditor = logged_in_api_client(lead)

    # Programme, approved by the officer.
    programme = auditor.post(
        url("audit-programme-list"),
        {
            "code": "FY-LOOP",
            "title": "Programme",
            "period_start": f"{today.year}-01-01",
            "period_end": f"{today.year}-12-31",
        },
        format="json",
    )
    assert programme.status_code == 201, programme.json()
    pk = programme.json()["id"]
    assert auditor.post(url("audit-programme-submit", pk)).status_code == 200
    assert logged_in_api_client(officer).post(url("audit-programme-approve", pk)).status_code == 200

    # The audit, its checklist and a minor nonconformity found.
    audit = auditor.post(
        url("audit-list"),
        {
            "programme": pk,
            "title": "Loop audit",
            "owner": lead.pk,
            "team": [lead.pk],
            "ai_systems": [system.pk],
            "requirements": [requirement.pk],
            "period_start": f"{today.year}-01-01",
            "period_end": today.isoformat(),
        },
        format="json",
    )
    assert audit.status_code == 201, audit.json()
    audit = audit.json()["id"]
    assert auditor.post(url("audit-start", audit)).json()["status"] == "in_progress"
    [row] = auditor.get(url("audit-checklist", audit)).json()
    assert (
        auditor.patch(
            url("checklist-row-detail", row["id"]), {"result": "nonconforming"}, format="json"
        ).status_code
        == 200
    )
    finding = auditor.post(
        url("finding-list"),
        {
            "audit": audit,
            "requirement": requirement.pk,
            "kind": "minor_nonconformity",
            "title": "Monitoring not recorded",
            "description": "Two monthly checks have no record.",
        },
        format="json",
    )
    assert finding.status_code == 201, finding.json()
    [nc] = auditor.get(url("nonconformity-list")).json()["results"]
    assert nc["status"] == "open" and nc["source"] == "audit_finding"

    # The operator of the sampled system responds: correction, cause, an action done.
    member = logged_in_api_client(operator)
    responded = member.patch(
        url("nonconformity-detail", nc["id"]),
        {
            "correction": "The two records were rebuilt.",
            "root_cause": "Nobody was named to keep them.",
            "why_chain": ["No record", "No owner"],
        },
        format="json",
    )
    assert responded.status_code == 200, responded.json()
    action = member.post(
        url("corrective-action-list"),
        {"nonconformity": nc["id"], "title": "Name the record keeper", "owner": operator.pk},
        format="json",
    )
    assert action.status_code == 201, action.json()
    assert member.post(url("corrective-action-complete", action.json()["id"])).status_code == 200
    assert member.post(url("nonconformity-submit", nc["id"])).status_code == 200

    # Another internal auditor verifies it effective; then it closes.
    checker = logged_in_api_client(verifier)
    verified = checker.post(
        url("nonconformity-verify", nc["id"]),
        {"result": "effective", "note": "Sampled the new records."},
        format="json",
    )
    assert verified.status_code == 200, verified.json()
    closed = checker.post(url("nonconformity-close", nc["id"]))
    assert closed.status_code == 200 and closed.json()["status"] == "closed"

    # The management review of the period lists it among its inputs.
    review = logged_in_api_client(officer).post(
        url("management-review-list"),
        {
            "code": "MR-LOOP",
            "title": "Review",
            "held_on": today.isoformat(),
            "attendees": [executive.pk, officer.pk],
        },
        format="json",
    )
    assert review.status_code == 201, review.json()
    inputs = logged_in_api_client(officer).get(url("management-review-inputs", review.json()["id"]))
    section = next(s for s in inputs.json()["sections"] if s["code"] == "nonconformities")
    assert any(nc["reference"] in item["label"] for item in section["items"])
