"""What the audits part registers: the navigation entry, the external auditor's scope
provider, fieldwork reminders, the inbox's programme and report approvals, the dashboard's
next audit and the evidence of clause 9.2."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from aims.choices import Role
from aims.inbox import inbox_counts
from aims.registry import registry
from audit.models import Audit
from audit.plug.audits import clause_evidence
from audit.scope import ExternalAuditorScope
from tests.conftest import logged_in_client
from tests.factories import UserFactory
from tests.factories.audit import AuditFactory, AuditProgrammeFactory, AuditReportFactory

pytestmark = pytest.mark.django_db


def test_the_area_is_in_the_navigation_for_those_who_view_audits():
    entry = next(e for e in registry.navigation() if e.code == "audits")
    assert entry.url_name == "audits"
    html = logged_in_client(UserFactory(roles=[Role.VIEWER])).get(reverse("home")).content
    assert reverse("audits").encode() in html
    operator = logged_in_client(UserFactory(roles=[Role.OPERATIONAL_MEMBER]))
    assert reverse("audits").encode() not in operator.get(reverse("home")).content


def test_registrations():
    assert Audit in registry.reviewable
    assert any(isinstance(p, ExternalAuditorScope) for p in registry.scope_providers)
    assert registry.report_kind("audit_report") is not None
    codes = {s.code for s in registry.inbox_sources}
    assert {c for c in codes if "auditprogramme" in c or "auditreport" in c}


def test_a_programme_in_review_reaches_the_officers_inbox_and_a_report_another_auditor():
    officer = UserFactory(roles=[Role.GOVERNANCE_OFFICER])
    before = inbox_counts(officer)["total"]
    AuditProgrammeFactory(state="in_review")
    assert inbox_counts(officer)["total"] == before + 1
    report = AuditReportFactory()
    other = UserFactory(roles=[Role.INTERNAL_AUDITOR])
    assert inbox_counts(other)["total"] >= 1
    assert inbox_counts(report.audit.owner)["total"] == 0


def test_the_dashboard_names_the_next_audit():
    soon = timezone.localdate() + datetime.timedelta(days=10)
    AuditFactory(title="Next one", fieldwork_start=soon)
    html = logged_in_client(UserFactory(roles=[Role.VIEWER])).get(reverse("home")).content.decode()
    assert 'data-testid="next-audit"' in html and "Next one" in html


def test_clause_9_2_evidence_follows_the_programme_and_reports():
    viewer = UserFactory(roles=[Role.VIEWER])
    assert clause_evidence(viewer).suggested_status == "not_started"
    today = timezone.localdate()
    programme = AuditProgrammeFactory(
        state="approved",
        period_start=today - datetime.timedelta(days=100),
        period_end=today + datetime.timedelta(days=200),
    )
    assert clause_evidence(viewer).suggested_status == "partial"
    AuditFactory(programme=programme, state="reported")
    assert clause_evidence(viewer).suggested_status == "conformant"
