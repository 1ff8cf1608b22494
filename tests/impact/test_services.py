"""Impact assessment services: levels from the matrix, the review workflow with approval by
someone else, frozen approved versions, new versions, reflection into risks, reassessment."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from aims.changelog import verify_chain
from aims.models import ChangeRecord, Notification
from aims.services.inventory import ai_system_update
from impact.models import ImpactAssessment, ImpactEntry
from impact.services import (
    impact_assessment_approve,
    impact_assessment_create,
    impact_assessment_new_version,
    impact_assessment_return,
    impact_assessment_submit,
    impact_assessment_update,
    impact_entry_create,
    impact_entry_create_risk,
    impact_entry_delete,
    impact_entry_link_risks,
    impact_entry_update,
    reflected_risk_ids,
)
from risk.services.register import risk_create
from tests.impact.conftest import area, party


def make(actor, system, **data):
    fields = {
        "ai_system": system,
        "intended_use": "不審者検知",
        "severity": 3,
        "likelihood": 2,
        "assessed_on": date(2025, 9, 10),
        **data,
    }
    return impact_assessment_create(actor=actor, **fields)


def entry(actor, assessment, **data):
    fields = {
        "party_type": party("minorities"),
        "impact_area": area("fairness-and-discrimination"),
        "description": "誤認識による差別",
        "severity": 3,
        "likelihood": 2,
        **data,
    }
    return impact_entry_create(actor=actor, assessment=assessment, **fields)


def approved(author, approver, system):
    assessment = make(author, system)
    entry(author, assessment)
    impact_assessment_submit(actor=author, assessment=assessment)
    return impact_assessment_approve(actor=approver, assessment=assessment)


def test_the_level_comes_from_the_3x3_matrix(officer, system):
    assessment = make(officer, system)
    assert assessment.matrix.code == "3x3"
    assert (assessment.level, assessment.level_rank) == ("high", 3)
    assert assessment.author == officer and assessment.status == "draft"
    assert assessment.system_version == "2.2"
    assert ChangeRecord.objects.filter(
        content_type__model="impactassessment", action="create"
    ).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"level": "low"}, "level"),
        ({"severity": 4}, "severity"),
        ({"likelihood": 0}, "likelihood"),
        ({"human_judgment": {"astrology": "no"}}, "human_judgment"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(officer, system, data, field):
    with pytest.raises(ValidationError) as error:
        make(officer, system, **data)
    assert field in error.value.message_dict
    assert not ImpactAssessment.objects.exists()


def test_an_operator_assesses_only_granted_systems(operator, granted, other_system):
    with pytest.raises(ValidationError) as error:
        make(operator, other_system)
    assert "ai_system" in error.value.message_dict
    assert make(operator, granted).ai_system == granted


def test_submit_needs_a_consequence_and_locks_the_assessment(officer, system):
    assessment = make(officer, system)
    with pytest.raises(ValidationError):
        impact_assessment_submit(actor=officer, assessment=assessment)
    entry(officer, assessment)
    impact_assessment_submit(actor=officer, assessment=assessment)
    with pytest.raises(ValidationError):
        impact_assessment_update(actor=officer, assessment=assessment, intended_use="x")


def test_nobody_approves_their_own_assessment(officer, executive, operator, granted):
    assessment = make(officer, granted)
    entry(officer, assessment)
    impact_assessment_submit(actor=officer, assessment=assessment)
    for wrong in (officer, operator):
        with pytest.raises(ValidationError):
            impact_assessment_approve(actor=wrong, assessment=assessment)
    assert ImpactAssessment.objects.get().status == "in_review"
    impact_assessment_approve(actor=executive, assessment=assessment)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.approved_by) == ("approved", executive)


def test_whoever_changed_an_entry_of_the_version_does_not_approve_it(
    operator, officer, executive, make_user, granted
):
    """Four eyes over the whole content: an officer who rewrote one of the operator's
    consequences, and a second officer who added one and deleted it again, are both barred;
    top management, who changed nothing, approves."""
    assessment = make(operator, granted)
    written = entry(operator, assessment)
    impact_entry_update(actor=officer, entry=written, description="差別的な誤検知")
    other = make_user("governance_officer", username="t_second_officer")
    impact_entry_delete(actor=other, entry=entry(other, assessment))
    impact_assessment_submit(actor=operator, assessment=assessment)
    for barred in (officer, other):
        with pytest.raises(ValidationError, match="You changed the content of this version"):
            impact_assessment_approve(actor=barred, assessment=assessment)
    assert ImpactAssessment.objects.get().status == "in_review"
    assert impact_assessment_approve(actor=executive, assessment=assessment).approved_by == (
        executive
    )


def test_an_approved_assessment_is_frozen(officer, executive, system):
    assessment = approved(officer, executive, system)
    before = ImpactAssessment.objects.filter(pk=assessment.pk).values().get()
    with pytest.raises(ValidationError) as error:
        impact_assessment_update(actor=officer, assessment=assessment, intended_use="変更")
    assert "frozen" in " ".join(error.value.messages)
    with pytest.raises(ValidationError):
        entry(officer, assessment)
    assert ImpactAssessment.objects.filter(pk=assessment.pk).values().get() == before
    assert ImpactEntry.objects.count() == 1


def test_return_needs_a_comment_and_reopens_the_draft(officer, executive, system):
    assessment = make(officer, system)
    entry(officer, assessment)
    impact_assessment_submit(actor=officer, assessment=assessment)
    with pytest.raises(ValidationError):
        impact_assessment_return(actor=executive, assessment=assessment, comment=" ")
    impact_assessment_return(actor=executive, assessment=assessment, comment="誤用の検討を追記")
    assessment.refresh_from_db()
    assert assessment.status == "draft" and assessment.review_comment == "誤用の検討を追記"
    impact_assessment_update(actor=officer, assessment=assessment, foreseeable_misuse="追記")


def test_a_new_version_carries_everything_forward_and_supersedes_on_approval(
    officer, executive, system
):
    first = approved(officer, executive, system)
    risk = risk_create(
        actor=officer, title="差別", ai_systems=[system], inherent_likelihood=2, inherent_impact=3
    )
    first_entry = first.entries.get()
    first_entry.risks.add(risk)
    second = impact_assessment_new_version(actor=officer, assessment=first)
    assert (second.number, second.series, second.status) == (2, first.series, "draft")
    assert list(first.versions()) == [first, second]
    assert second.intended_use == first.intended_use and second.level == first.level
    assert [e.description for e in second.entries.all()] == ["誤認識による差別"]
    assert list(second.entries.get().risks.all()) == [risk]
    with pytest.raises(ValidationError):
        impact_assessment_new_version(actor=officer, assessment=first)  # one successor only
    impact_assessment_update(actor=officer, assessment=second, severity=2)
    impact_assessment_submit(actor=officer, assessment=second)
    impact_assessment_approve(actor=executive, assessment=second)
    first.refresh_from_db()
    assert first.status == "superseded"


def test_reflection_into_risks_shows_on_both_sides(officer, system, other_system):
    assessment = make(officer, system)
    consequence = entry(officer, assessment, impact_area=area("privacy"))
    risk = impact_entry_create_risk(actor=officer, entry=consequence)
    assert list(risk.ai_systems.all()) == [system]
    assert risk.matrix == assessment.matrix
    assert (risk.inherent_impact, risk.inherent_likelihood) == (3, 2)
    assert [c.ref_id for c in risk.categories.all()] == ["privacy"]
    assert list(risk.impact_entries.all()) == [consequence]
    elsewhere = risk_create(
        actor=officer,
        title="other",
        ai_systems=[other_system],
        inherent_likelihood=1,
        inherent_impact=1,
    )
    with pytest.raises(ValidationError) as error:
        impact_entry_link_risks(actor=officer, entry=consequence, risks=[risk, elsewhere])
    assert "risks" in error.value.message_dict
    assert list(consequence.risks.all()) == [risk]
    direct = risk_create(
        actor=officer, title="whole", ai_systems=[system], inherent_likelihood=1, inherent_impact=1
    )
    impact_assessment_update(actor=officer, assessment=assessment, linked_risks=[direct])
    assert reflected_risk_ids(assessment) == sorted([risk.pk, direct.pk])


def test_an_entry_of_another_systems_risk_is_refused(officer, system, other_system):
    assessment = make(officer, system)
    elsewhere = risk_create(
        actor=officer,
        title="other",
        ai_systems=[other_system],
        inherent_likelihood=1,
        inherent_impact=1,
    )
    with pytest.raises(ValidationError):
        entry(officer, assessment, risks=[elsewhere])
    assert not ImpactEntry.objects.exists()


def test_a_changed_system_flags_its_approved_assessment_and_notifies_once(
    officer, executive, system
):
    assessment = approved(officer, executive, system)
    draft = make(officer, system)
    ai_system_update(actor=officer, system=system, version="2.3")
    assessment.refresh_from_db()
    draft.refresh_from_db()
    assert assessment.reassessment_due
    assert not draft.reassessment_due
    notes = Notification.objects.filter(
        url=assessment.get_absolute_url(), dedupe_key__startswith="impact-reassessment:"
    )
    assert notes.count() == 1 and notes.get().recipient == officer
    ai_system_update(actor=officer, system=system, lifecycle_stage="deployment")
    assert notes.count() == 1
    ai_system_update(actor=officer, system=system, description="no material change")
    assessment.refresh_from_db()
    assert assessment.reassessment_reason.count("\n") == 1  # the stage change was added
    assert verify_chain()[1] is None
