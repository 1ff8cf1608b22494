"""The demo SoA: 38 rows justified in Japanese (three excluded with the reason), version 1
approved by top management, a version 2 draft with a few changes; loading twice adds nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from controls.models import StatementOfApplicability
from controls.selectors.soa import soa_compare, soa_row_snapshots
from controls.services.soa import soa_checks


@pytest.fixture
def demo(db, settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("load_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def test_the_demo_soa_is_approved_then_changed_in_a_draft(demo):
    first, second = StatementOfApplicability.objects.order_by("number")
    assert first.status == "approved" and first.approved_by.username == "executive"
    assert second.status == "draft"
    shots = soa_row_snapshots(first, demo["officer"])
    assert len(shots) == 38
    assert all(shot["justification"] and shot["justification_type"] for shot in shots)
    excluded = {s["requirement"]["ref_id"] for s in shots if s["applicable"] is False}
    assert excluded == {"A.7.3", "A.8.3", "A.10.4"}
    assert all(not check["waived"] or check["reason"] for check in first.frozen_checks)
    assert not [c for c in soa_checks(first) if not c.waived]
    changes = soa_compare(shots, soa_row_snapshots(second, demo["officer"]))
    assert {c.ref_id for c in changes} == {"A.3.3", "A.6.2.8", "A.8.3"}
    client = Client()
    client.force_login(demo["viewer"])
    html = client.get(reverse("soa_version", args=[first.pk])).content.decode()
    assert html.count('data-testid="row-A.') == 38
    assert "当社はAIシステムを製品又はサービスとして顧客に提供しておらず" in html
    draft = client.get(reverse("soa")).content.decode()
    assert "取引先との新しい契約でAIインシデントの外部報告が求められた" in draft
    call_command("load_demo", stdout=io.StringIO())
    assert StatementOfApplicability.objects.count() == 2
