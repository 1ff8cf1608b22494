"""Risk services: levels derived on the server, who may link which AI systems, treatment,
acceptance by the right role, expiry that reopens the risk; every write logged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from aims.changelog import verify_chain
from aims.models import ChangeRecord, Notification, Requirement
from aims.services.inventory import ai_system_retire
from risk.choices import RiskStatus
from risk.models import Risk, RiskAcceptance
from risk.services.acceptance import can_accept, risk_accept, risk_acceptances_expire
from risk.services.register import risk_create, risk_update
from risk.services.treatment import treatment_action_create, treatment_action_update


def make(actor, systems, **data):
    fields = {
        "title": "誤った不採用判定",
        "inherent_likelihood": 4,
        "inherent_impact": 4,
        "residual_likelihood": 2,
        "residual_impact": 4,
        **data,
    }
    return risk_create(actor=actor, ai_systems=systems, **fields)


def test_levels_are_derived_from_the_default_matrix(officer, m5, system):
    risk = make(officer, [system])
    assert risk.matrix == m5
    assert (risk.inherent_level, risk.inherent_rank) == ("very_high", 5)
    assert (risk.residual_level, risk.residual_rank) == ("medium", 3)
    assert risk.owner == officer and risk.status == RiskStatus.OPEN
    record = ChangeRecord.objects.get(
        action="create", object_id=str(risk.pk), content_type__model="risk"
    )
    assert record.after["inherent_level"] == "very_high"


def test_residual_defaults_to_inherent(officer, m3, system):
    risk = risk_create(
        actor=officer,
        title="x",
        ai_systems=[system],
        matrix=m3,
        inherent_likelihood=3,
        inherent_impact=2,
    )
    assert (risk.residual_likelihood, risk.residual_impact, risk.residual_level) == (3, 2, "high")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"inherent_level": "low"}, "inherent_level"),
        ({"residual_rank": 1}, "residual_rank"),
        ({"inherent_likelihood": 6}, "inherent_likelihood"),
        ({"residual_impact": 0}, "residual_impact"),
        ({"inherent_impact": "3"}, "inherent_impact"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(officer, m5, system, data, field):
    with pytest.raises(ValidationError) as error:
        make(officer, [system], **data)
    assert field in error.value.message_dict
    assert not Risk.objects.exists()
    assert not ChangeRecord.objects.filter(content_type__model="risk").exists()


def test_library_links_must_come_from_the_right_lists(officer, system):
    from aims.services.library import library_load
    from tests.aims.test_library_loader import framework_file

    library_load(files=[("f.yaml", framework_file())], actor=None)
    stranger = Requirement.objects.first()
    with pytest.raises(ValidationError) as error:
        make(officer, [system], principles=[stranger])
    assert "principles" in error.value.message_dict


def test_an_operator_links_only_granted_systems_and_at_least_one(operator, granted, other_system):
    with pytest.raises(ValidationError) as error:
        make(operator, [other_system])
    assert "ai_systems" in error.value.message_dict
    with pytest.raises(ValidationError):
        make(operator, [])
    risk = make(operator, [granted])
    assert list(risk.ai_systems.all()) == [granted]


def test_an_officer_may_register_an_organisation_wide_risk(officer):
    assert make(officer, []).ai_systems.count() == 0


def test_links_an_operator_cannot_see_are_kept(officer, operator, granted, other_system):
    risk = make(officer, [granted, other_system])
    risk_update(actor=operator, risk=risk, ai_systems=[granted], title="Changed")
    assert set(risk.ai_systems.all()) == {granted, other_system}


def test_a_retired_system_is_not_newly_linked(officer, system, other_system):
    ai_system_retire(actor=None, system=other_system)
    with pytest.raises(ValidationError):
        make(officer, [system, other_system])


def test_closing_needs_a_reason(officer, system):
    risk = make(officer, [system])
    with pytest.raises(ValidationError):
        risk_update(actor=officer, risk=risk, status="closed")
    risk = Risk.objects.get(pk=risk.pk)
    risk_update(actor=officer, risk=risk, status="closed", closed_reason="System withdrawn")
    assert Risk.objects.get(pk=risk.pk).status == "closed"


def test_a_treatment_action_puts_an_open_risk_in_treatment(officer, system):
    risk = make(officer, [system])
    control = Requirement.objects.none()
    action = treatment_action_create(
        actor=officer,
        risk=risk,
        title="Bias test each release",
        due_on=date(2027, 3, 31),
        controls=list(control),
    )
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.IN_TREATMENT
    action = treatment_action_update(actor=officer, action=action, status="done")
    assert action.completed_on == timezone.localdate()
    with pytest.raises(ValidationError):
        treatment_action_update(actor=officer, action=action, status="someday")


# --- Acceptance --------------------------------------------------------------------------------
def future(days=90):
    return timezone.localdate() + timedelta(days=days)


def test_within_criteria_an_officer_accepts_another_owners_risk(officer, operator, granted):
    risk = make(operator, [granted])  # residual medium: within the 5×5 criteria
    acceptance = risk_accept(
        actor=officer, risk=risk, rationale="Human review of every rejection", expires_on=future()
    )
    assert acceptance.within_criteria and acceptance.residual_level == "medium"
    risk.refresh_from_db()
    assert risk.status == RiskStatus.ACCEPTED
    record = ChangeRecord.objects.filter(action="accept", object_id=str(risk.pk)).get()
    assert record.after["acceptance"]["rationale"].startswith("Human review")


def test_nobody_accepts_their_own_risk(officer, system):
    risk = make(officer, [system])
    with pytest.raises(ValidationError) as error:
        risk_accept(actor=officer, risk=risk, rationale="Fine", expires_on=future())
    assert "risk" in error.value.message_dict
    assert not RiskAcceptance.objects.exists()


def test_above_criteria_only_top_management_accepts(officer, executive, operator, granted):
    risk = make(operator, [granted], residual_likelihood=4, residual_impact=4)  # very high
    for wrong in (officer, operator):
        with pytest.raises(ValidationError):
            risk_accept(actor=wrong, risk=risk, rationale="Fine", expires_on=future())
    assert not RiskAcceptance.objects.exists()
    acceptance = risk_accept(
        actor=executive, risk=risk, rationale="Pilot limited to one site", expires_on=future()
    )
    assert acceptance.within_criteria is False


@pytest.mark.parametrize(
    ("rationale", "days", "field"),
    [("", 30, "rationale"), ("Why", 0, "expires_on"), ("Why", -3, "expires_on")],
)
def test_an_acceptance_needs_a_reason_and_a_future_date(
    officer, operator, granted, rationale, days, field
):
    risk = make(operator, [granted])
    with pytest.raises(ValidationError) as error:
        risk_accept(actor=officer, risk=risk, rationale=rationale, expires_on=future(days))
    assert field in error.value.message_dict


def test_a_changed_residual_level_ends_the_acceptance(officer, operator, granted):
    risk = make(operator, [granted])
    risk_accept(actor=officer, risk=risk, rationale="ok", expires_on=future())
    risk = Risk.objects.get(pk=risk.pk)
    risk_update(actor=operator, risk=risk, residual_likelihood=5)
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OPEN and risk.residual_level == "very_high"
    assert RiskAcceptance.objects.get().end_reason == "reassessed"
    with pytest.raises(ValidationError):
        risk_update(actor=operator, risk=risk, status="accepted")


def test_an_expired_acceptance_reopens_the_risk_and_tells_people_once(officer, operator, granted):
    risk = make(operator, [granted])
    risk_accept(actor=officer, risk=risk, rationale="ok", expires_on=future(10))
    with time_machine.travel(timezone.now() + timedelta(days=11), tick=False):
        assert risk_acceptances_expire() == 1
        assert risk_acceptances_expire() == 0
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OPEN
    assert RiskAcceptance.objects.get().end_reason == "expired"
    notes = Notification.objects.filter(kind="review_due", url=risk.get_absolute_url())
    assert {n.recipient for n in notes} == {officer, operator}
    ok, broken = verify_chain()
    assert broken is None


def test_risks_due_for_review_reach_their_owner_and_closed_ones_do_not(officer, system):
    from aims.models import ReviewReminder
    from aims.services.reminders import review_reminders_send

    due = make(officer, [system], title="due", next_review_on=timezone.localdate())
    closed = make(officer, [system], title="closed", next_review_on=timezone.localdate())
    risk_update(actor=officer, risk=closed, status="closed", closed_reason="Withdrawn")
    review_reminders_send()
    reminded = set(ReviewReminder.objects.values_list("object_id", flat=True))
    assert str(due.pk) in reminded and str(closed.pk) not in reminded


# --- Four eyes on acceptance: no hand-over walks around the owner rule ----------------------------
def test_handing_an_accepted_risk_to_its_acceptor_ends_the_acceptance(officer, operator, granted):
    risk = make(operator, [granted])
    risk_accept(actor=officer, risk=risk, rationale="ok", expires_on=future())
    risk_update(actor=officer, risk=Risk.objects.get(pk=risk.pk), owner=officer)
    risk.refresh_from_db()
    assert (risk.status, risk.owner) == (RiskStatus.OPEN, officer)
    acceptance = RiskAcceptance.objects.get()
    assert acceptance.ended_at is not None
    assert acceptance.end_reason == "owner_is_acceptor"
    with translation.override("en"):
        assert acceptance.get_end_reason_display() == (
            "Ownership passed to the person who accepted it"
        )
    ended = ChangeRecord.objects.get(
        content_type__model="riskacceptance", object_id=str(acceptance.pk), action="update"
    )
    assert ended.after["end_reason"] == "owner_is_acceptor"
    reopened = ChangeRecord.objects.filter(object_id=str(risk.pk), action="update").latest("id")
    assert (reopened.before["status"], reopened.after["status"]) == ("accepted", "open")


def test_handing_an_accepted_risk_to_someone_else_keeps_the_acceptance(
    officer, executive, operator, granted
):
    risk = make(operator, [granted])
    risk_accept(actor=officer, risk=risk, rationale="ok", expires_on=future())
    risk_update(actor=officer, risk=Risk.objects.get(pk=risk.pk), owner=executive)
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.ACCEPTED
    assert RiskAcceptance.objects.get().ended_at is None


def test_whoever_owned_the_risk_or_changed_its_owner_since_its_assessment_does_not_accept(
    officer, executive, make_user, operator, system
):
    """Top management owns a risk above the criteria; an officer hands it to an operator for a
    moment. Neither the former owner nor the officer who changed the owner accepts it; top
    management that had nothing to do with it does."""
    risk = make(officer, [system], owner=executive, residual_likelihood=4)  # very high
    risk_update(actor=officer, risk=Risk.objects.get(pk=risk.pk), owner=operator)
    risk = Risk.objects.get(pk=risk.pk)
    assert not can_accept(executive, risk) and not can_accept(officer, risk)
    with pytest.raises(ValidationError, match="since its last assessment") as error:
        risk_accept(actor=executive, risk=risk, rationale="Fine", expires_on=future())
    assert "risk" in error.value.message_dict
    assert not RiskAcceptance.objects.exists()
    other = make_user("top_management", username="t_other_executive")
    assert can_accept(other, risk)
    assert risk_accept(actor=other, risk=risk, rationale="Board", expires_on=future()).pk


def test_a_new_assessment_starts_a_new_window(officer, executive, make_user, operator, system):
    """The rule looks back to the latest assessment (the owner then included), not forever."""
    other = make_user("governance_officer", username="t_other_officer")
    risk = make(officer, [system], owner=executive)  # within the criteria
    risk_update(actor=other, risk=Risk.objects.get(pk=risk.pk), owner=operator)
    assert not can_accept(other, Risk.objects.get(pk=risk.pk))
    risk_update(actor=officer, risk=Risk.objects.get(pk=risk.pk), residual_impact=3)
    risk = Risk.objects.get(pk=risk.pk)
    assert can_accept(other, risk) and can_accept(executive, risk)
