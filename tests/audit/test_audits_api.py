"""The audits API: the loop programme → audit → checklist → finding → report through the
endpoints, refusals with one error shape and nothing changed, and constant query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from aims.choices import Role
from audit.models import Audit, AuditProgramme, Finding, Nonconformity
from tests.conftest import logged_in_api_client
from tests.factories import AISystemFactory, EvidenceFactory, RequirementFactory, UserFactory
from tests.factories.audit import (
    AuditFactory,
    AuditReportFactory,
    FindingFactory,
    make_internal_auditor,
    make_officer,
)

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


def test_the_audit_loop_runs_through_the_api():
    lead = make_internal_auditor("lead")
    second = make_internal_auditor("second")
    officer = make_officer()
    api = logged_in_api_client(lead)
    system = AISystemFactory()
    requirement = RequirementFactory()
    response = api.post(
        url("audit-programme-list"),
        {
            "code": "FY2026",
            "title": "FY2026 programme",
            "period_start": "2026-04-01",
            "period_end": "2027-03-31",
            "objectives": "Cover every clause once a year",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    programme = response.json()["id"]
    assert api.post(url("audit-programme-submit", programme)).status_code == 200
    approved = logged_in_api_client(officer).post(url("audit-programme-approve", programme))
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"

    response = api.post(
        url("audit-list"),
        {
            "programme": programme,
            "title": "Hiring AI audit",
            "owner": lead.pk,
            "team": [lead.pk],
            "ai_systems": [system.pk],
            "requirements": [requirement.pk],
            "period_start": "2026-04-01",
            "period_end": "2026-09-30",
            "fieldwork_start": "2026-10-05",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    audit = response.json()["id"]
    assert api.post(url("audit-start", audit)).json()["status"] == "in_progress"
    rows = api.get(url("audit-checklist", audit)).json()
    assert [r["requirement"] for r in rows] == [requirement.pk]
    patched = api.patch(
        url("checklist-row-detail", rows[0]["id"]),
        {"result": "nonconforming", "sample": "5 hiring decisions"},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    response = api.post(
        url("finding-list"),
        {
            "audit": audit,
            "requirement": requirement.pk,
            "kind": "minor_nonconformity",
            "title": "Reviews not recorded",
            "description": "Two of five decisions lack the reviewer's note.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Nonconformity.objects.filter(finding_id=response.json()["id"]).exists()
    report = api.post(url("audit-issue-report", audit), {"conclusions": "One minor NC."})
    assert report.status_code == 201, report.json()
    assert report.json()["status"] == "in_review"
    issued = logged_in_api_client(second).post(url("audit-report-approve", report.json()["id"]))
    assert issued.status_code == 200, issued.json()
    assert api.get(url("audit-detail", audit)).json()["status"] == "reported"


def test_starting_fieldwork_with_an_unconfirmed_declaration_is_refused():
    lead = make_internal_auditor("lead")
    member = make_internal_auditor("member")
    system = AISystemFactory(owner=member)
    audit = AuditFactory(lead=lead, team=[member], ai_systems=[system])
    response = logged_in_api_client(lead).post(
        url("audit-start", audit.pk), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Fieldwork cannot start" in str(response.json())
    audit.refresh_from_db()
    assert audit.status == "planned"
    declaration = audit.impartiality.get()
    confirmed = logged_in_api_client(lead).post(
        url("audit-confirm-impartiality", audit.pk),
        {"declaration": declaration.pk, "reason": "Owner of the system only in name."},
        format="json",
    )
    assert confirmed.status_code == 200, confirmed.json()
    assert logged_in_api_client(lead).post(url("audit-start", audit.pk)).status_code == 200


def test_a_finding_citing_out_of_scope_evidence_is_refused_with_a_field_error():
    audit = AuditFactory(state="in_progress")
    outside = EvidenceFactory(ai_systems=[AISystemFactory()])
    response = logged_in_api_client(audit.owner).post(
        url("finding-list"),
        {
            "audit": audit.pk,
            "requirement": audit.requirements.get().pk,
            "kind": "conformity",
            "title": "Seen",
            "description": "Seen",
            "evidence_versions": [outside.current_version.pk],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "evidence_versions" in str(response.json())
    assert not Finding.objects.exists()


def test_a_correction_without_a_reason_is_refused():
    report = AuditReportFactory(state="approved")
    api = logged_in_api_client(report.audit.owner)
    response = api.post(url("audit-report-new-version", report.pk), {}, format="json")
    assert response.status_code == 400
    response = api.post(url("audit-issue-report", report.audit_id), {}, format="json")
    assert response.status_code == 400
    assert "revision_reason" in str(response.json())
    assert report.audit.reports.count() == 1


def test_the_officer_and_viewers_read_audits_but_do_not_write():
    audit = AuditFactory()
    for role in (Role.GOVERNANCE_OFFICER, Role.VIEWER):
        user = UserFactory(roles=[role])
        api = logged_in_api_client(user)
        assert api.get(url("audit-detail", audit.pk)).status_code == 200
        response = api.patch(url("audit-detail", audit.pk), {"title": "x"}, format="json")
        assert response.status_code == 403
    assert Audit.objects.get().title != "x"
    assert AuditProgramme.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("audit-list", lambda n: [AuditFactory(ai_systems=[AISystemFactory()]) for _ in range(n)]),
        (
            "checklist-row-list",
            lambda n: AuditFactory(
                requirements=[RequirementFactory() for _ in range(n)], state="in_progress"
            ),
        ),
        (
            "finding-list",
            lambda n: [
                FindingFactory(audit=audit)
                for audit in [AuditFactory(state="in_progress")]
                for _ in range(n)
            ],
        ),
    ],
)
def test_lists_run_a_constant_number_of_queries(name, make, django_assert_max_num_queries):
    reader = UserFactory(roles=[Role.INTERNAL_AUDITOR])
    api = logged_in_api_client(reader)
    make(1)
    with django_assert_max_num_queries(14) as one:
        assert api.get(url(name)).status_code == 200
    make(30)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = api.get(url(name), {"page_size": 100})
        assert response.status_code == 200


def test_dates_out_of_order_are_refused():
    lead = make_internal_auditor()
    audit = AuditFactory(lead=lead)
    response = logged_in_api_client(lead).patch(
        url("audit-detail", audit.pk),
        {"period_start": "2026-12-31", "period_end": str(datetime.date(2026, 1, 1))},
        format="json",
    )
    assert response.status_code == 400
    audit.refresh_from_db()
    assert audit.period_start == datetime.date(2026, 1, 1)
