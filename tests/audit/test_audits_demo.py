"""The demo internal audit: the fiscal year's programme approved by the officer, one
completed audit of two demo AI systems with six findings and an issued report, the demo
external auditor named on it with a window covering today; loading twice adds nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import Audit, AuditProgramme, Finding, Nonconformity


@pytest.fixture
def demo(db, settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("load_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def test_the_demo_audit_is_completed_and_open_to_the_external_auditor(demo):
    programme = AuditProgramme.objects.get()
    assert programme.status == "approved" and programme.approved_by.username == "officer"
    audit = Audit.objects.get()
    assert audit.status == "reported"
    assert audit.ai_systems.count() == 2
    kinds = sorted(Finding.objects.values_list("kind", flat=True))
    assert len(kinds) == 6 and kinds.count("minor_nonconformity") == 2
    assert Nonconformity.objects.filter(finding__audit=audit).count() == 2
    report = audit.reports.get()
    assert report.status == "approved" and report.approved_by.username == "auditor2"
    assert "影響評価の見直しが記録されていない" in str(report.content)
    client = Client()
    client.force_login(demo["external_auditor"])
    assert client.get(reverse("audit", args=[audit.pk])).status_code == 200
    system = audit.ai_systems.first()
    assert client.get(reverse("ai_system", args=[system.pk])).status_code == 200
    call_command("load_demo", stdout=io.StringIO())
    assert Audit.objects.count() == 1
