"""The demo's seed-000 assessment: approved, reflected into two risks, and flagged for
reassessment when the face-recognition system's version changes."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from aims.models import AISystem, Notification
from aims.services.inventory import ai_system_update
from impact.models import ImpactAssessment
from impact.services import reflected_risk_ids


@pytest.fixture
def demo(db, settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("load_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def test_the_seed_000_assessment_is_in_the_demo(demo):
    assessment = ImpactAssessment.objects.get()
    assert assessment.ai_system.name == "顔画像認識AI"
    assert (assessment.intended_use, assessment.level, assessment.status) == (
        "不審者検知",
        "high",
        "approved",
    )
    assert assessment.approved_by.username == "executive"
    assert len(reflected_risk_ids(assessment)) == 2
    call_command("load_demo", stdout=io.StringIO())
    assert ImpactAssessment.objects.count() == 1


def test_a_new_version_of_the_demo_system_flags_it_and_tells_the_owner_once(demo):
    system = AISystem.objects.get(name="顔画像認識AI")
    assessment = ImpactAssessment.objects.get()
    ai_system_update(actor=demo["officer"], system=system, version="2.3")
    ai_system_update(actor=demo["officer"], system=system, version="2.4")
    assessment.refresh_from_db()
    assert assessment.reassessment_due
    notes = Notification.objects.filter(
        url=assessment.get_absolute_url(), dedupe_key__startswith="impact-reassessment:"
    )
    assert notes.count() == 1 and notes.get().recipient == assessment.owner
    assert "再評価" in notes.get().subject  # the officer reads Japanese
