"""Text the system writes into records is in the organisation's language (LANGUAGE_CODE), not
in the language of whoever acted: a risk made from a consequence, a reassessment reason."""

from __future__ import annotations

from django.utils import translation

from aims.services.inventory import ai_system_update
from impact.services import (
    impact_assessment_approve,
    impact_assessment_submit,
    impact_entry_create_risk,
)
from tests.impact.conftest import area, party
from tests.impact.test_services import entry, make


def test_a_risk_from_a_consequence_is_described_in_the_organisations_language(
    settings, officer, system
):
    settings.LANGUAGE_CODE = "ja"
    assessment = make(officer, system)
    consequence = entry(
        officer,
        assessment,
        party_type=party("end-users"),
        impact_area=area("privacy"),
        party_description="来訪者",
        existing_mitigations="掲示による告知",
    )
    with translation.override("en"):  # an officer who reads the UI in English
        risk = impact_entry_create_risk(actor=officer, entry=consequence)
    lines = risk.description.splitlines()
    assert lines[0] == "誤認識による差別"
    assert lines[1].startswith("影響を受ける関係者：") and lines[1].endswith("— 来訪者")
    assert lines[2].startswith("影響の領域：")
    assert lines[3] == "既存の軽減策：掲示による告知"
    assert lines[4] == f"影響評価「{assessment}」から"
    assert "From impact assessment" not in risk.description
    assert "Affected party" not in risk.description


def test_a_reassessment_reason_is_written_in_the_organisations_language(
    settings, officer, executive, system
):
    settings.LANGUAGE_CODE = "ja"
    assessment = make(officer, system)
    entry(officer, assessment)
    impact_assessment_submit(actor=officer, assessment=assessment)
    impact_assessment_approve(actor=executive, assessment=assessment)
    with translation.override("en"):
        ai_system_update(actor=officer, system=system, version="2.3")
    assessment.refresh_from_db()
    assert assessment.reassessment_reason.startswith("変更：バージョン")
