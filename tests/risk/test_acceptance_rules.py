"""Risk acceptance's rules, one by one: who may accept (never the owner, never a closed risk,
the right role within and above the criteria, a matrix without criteria), what an acceptance
records, one open acceptance per risk, and expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from aims.choices import Action, Role
from aims.models import ChangeRecord, Notification
from risk.choices import AcceptanceEnd, RiskStatus
from risk.models import Risk, RiskAcceptance, RiskCriteria
from risk.services.acceptance import (
    acceptance_bar,
    acceptance_rule,
    can_accept,
    owners_since_assessment,
    risk_accept,
    risk_acceptances_expire,
)
from risk.services.register import risk_create, risk_update


def future(days=90):
    return timezone.localdate() + timedelta(days=days)


def make(actor, systems, likelihood=2, impact=4, **data):
    """A risk registered by ``actor`` (who owns it unless ``owner=`` says who); residual 2×4
    is "medium" on the 5×5 matrix (within its criteria), 4×4 "very_high" (above them)."""
    return risk_create(
        actor=actor,
        ai_systems=systems,
        title="Rule risk",
        inherent_likelihood=4,
        inherent_impact=4,
        residual_likelihood=likelihood,
        residual_impact=impact,
        **data,
    )


def accept(actor, risk, **kwargs):
    kwargs.setdefault("rationale", "Reviewed")
    kwargs.setdefault("expires_on", future())
    return risk_accept(actor=actor, risk=risk, **kwargs)


def refusal(actor, risk, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        accept(actor, risk, **kwargs)
    return caught.value.message_dict


def test_the_rule_within_and_above_the_criteria(operator, granted, m5):
    within = make(operator, [granted])
    assert acceptance_rule(within) == (True, None)
    above = make(operator, [granted], likelihood=4, impact=4)
    assert acceptance_rule(above) == (False, Role.TOP_MANAGEMENT)


def test_can_accept_never_says_yes_to_the_owner(make_user, officer, system):
    for role in (Role.GOVERNANCE_OFFICER, Role.TOP_MANAGEMENT):
        owner = make_user(role)
        within = make(officer, [system], owner=owner)
        above = make(officer, [system], likelihood=4, impact=4, owner=owner)
        assert within.owner == owner
        assert can_accept(owner, within) is False and can_accept(owner, above) is False


def test_can_accept_never_says_yes_for_a_closed_risk(officer, executive, operator, granted):
    within = make(operator, [granted])
    above = make(operator, [granted], likelihood=4, impact=4)
    assert can_accept(officer, within) and can_accept(executive, above)
    for risk in (within, above):
        risk_update(actor=operator, risk=risk, status="closed", closed_reason="Withdrawn")
        risk = Risk.objects.get(pk=risk.pk)
        assert can_accept(officer, risk) is False and can_accept(executive, risk) is False


def test_can_accept_by_role(officer, executive, operator, auditor, viewer, granted):
    within = make(operator, [granted])
    above = make(operator, [granted], likelihood=4, impact=4)
    assert [can_accept(u, within) for u in (officer, executive, auditor, viewer, None)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert [can_accept(u, above) for u in (officer, executive, auditor, viewer, None)] == [
        False,
        True,
        False,
        False,
        False,
    ]


def test_a_risk_without_an_owner_is_accepted_by_an_approver(officer, granted):
    risk = make(None, [granted])
    assert risk.owner is None
    assert can_accept(officer, risk)
    assert accept(officer, risk).accepted_by == officer


def test_a_closed_risk_is_refused_with_a_clear_reason(officer, operator, granted):
    risk = make(operator, [granted])
    risk_update(actor=operator, risk=risk, status="closed", closed_reason="Withdrawn")
    assert refusal(officer, risk) == {"risk": ["A closed risk cannot be accepted."]}
    assert not RiskAcceptance.objects.exists()


def test_the_owner_is_refused_with_a_clear_reason(officer, system):
    risk = make(officer, [system])
    assert refusal(officer, risk) == {"risk": ["Nobody accepts a risk they own; ask an approver."]}


def test_the_wrong_role_is_told_who_may_accept(operator, auditor, officer, granted):
    within = make(operator, [granted])
    assert refusal(auditor, within) == {
        "risk": ["Only a governance officer or top management accepts risks."]
    }
    above = make(operator, [granted], likelihood=4, impact=4)
    message = refusal(officer, above)["risk"][0]
    assert "above the risk criteria" in message and "Very high" in message


def test_every_problem_is_named_at_once(officer, operator, granted):
    risk = make(operator, [granted])
    errors = refusal(officer, risk, rationale="  ", expires_on=timezone.localdate())
    assert set(errors) == {"rationale", "expires_on"}
    assert set(refusal(officer, risk, expires_on=None)) == {"expires_on"}


def test_tomorrow_is_the_earliest_end(officer, operator, granted):
    risk = make(operator, [granted])
    acceptance = accept(officer, risk, expires_on=future(1), rationale="  Trimmed  ")
    assert acceptance.expires_on == future(1) and acceptance.rationale == "Trimmed"


def test_an_acceptance_records_the_decision(officer, operator, executive, granted):
    risk = make(operator, [granted])
    acceptance = accept(officer, risk)
    assert (acceptance.accepted_by, acceptance.residual_level, acceptance.within_criteria) == (
        officer,
        "medium",
        True,
    )
    assert acceptance.ended_at is None and acceptance.end_reason == ""
    risk.refresh_from_db()
    assert risk.status == RiskStatus.ACCEPTED
    record = ChangeRecord.objects.filter(action=Action.ACCEPT, object_id=str(risk.pk)).get()
    assert record.actor == officer
    assert record.before["status"] == RiskStatus.OPEN
    assert record.after["status"] == RiskStatus.ACCEPTED
    assert record.after["acceptance"]["accepted_by_id"] == officer.pk
    above = make(operator, [granted], likelihood=4, impact=4)
    assert accept(executive, above).within_criteria is False


def test_accepting_an_accepted_risk_again_replaces_the_open_acceptance(
    officer, executive, operator, granted
):
    risk = make(operator, [granted])
    first = accept(officer, risk)
    second = accept(executive, Risk.objects.get(pk=risk.pk), rationale="Renewed")
    assert RiskAcceptance.objects.filter(risk=risk, ended_at__isnull=True).get() == second
    first.refresh_from_db()
    assert first.ended_at is not None and first.end_reason == AcceptanceEnd.REPLACED
    ended = ChangeRecord.objects.filter(object_id=str(first.pk), action=Action.UPDATE).get()
    assert ended.after["end_reason"] == AcceptanceEnd.REPLACED


@pytest.fixture
def no_criteria(m5):
    RiskCriteria.objects.filter(matrix=m5).delete()
    return m5


def test_on_a_matrix_without_criteria_only_top_management_accepts(
    no_criteria, officer, executive, operator, granted
):
    risk = Risk.objects.get(pk=make(operator, [granted]).pk)
    assert acceptance_rule(risk) == (False, Role.TOP_MANAGEMENT)
    assert can_accept(officer, risk) is False
    message = refusal(officer, risk)["risk"][0]
    assert "only top management may accept it" in message
    acceptance = accept(executive, risk)
    assert acceptance.within_criteria is False


def test_expiry_ends_only_acceptances_past_their_date(officer, operator, granted):
    soon = make(operator, [granted])
    later = make(operator, [granted])
    accept(officer, soon, expires_on=future(5))
    accept(officer, later, expires_on=future(30))
    with time_machine.travel(timezone.now() + timedelta(days=5), tick=False):
        assert risk_acceptances_expire() == 0  # the last day still holds
    with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
        assert risk_acceptances_expire() == 1
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.status, later.status) == (RiskStatus.OPEN, RiskStatus.ACCEPTED)
    ended = RiskAcceptance.objects.get(risk=soon)
    assert ended.end_reason == AcceptanceEnd.EXPIRED and ended.ended_at is not None
    reopened = ChangeRecord.objects.filter(object_id=str(soon.pk)).order_by("-id").first()
    assert reopened.after["status"] == RiskStatus.OPEN and reopened.actor is None
    notes = Notification.objects.filter(kind="review_due")
    assert {n.recipient for n in notes} == {officer, operator}
    assert all(n.url == soon.get_absolute_url() for n in notes)
    assert any(n.subject for n in notes)


def test_expiry_of_a_closed_risk_leaves_it_closed(officer, operator, granted):
    risk = make(operator, [granted])
    accept(officer, risk, expires_on=future(5))
    risk = Risk.objects.get(pk=risk.pk)
    risk_update(actor=operator, risk=risk, status="closed", closed_reason="Withdrawn")
    assert RiskAcceptance.objects.get(risk=risk).end_reason == AcceptanceEnd.CLOSED
    with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
        assert risk_acceptances_expire() == 0
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.CLOSED


def test_expiry_on_a_given_day(officer, operator, granted):
    risk = make(operator, [granted])
    accept(officer, risk, expires_on=future(5))
    assert risk_acceptances_expire(today=future(5)) == 0
    assert risk_acceptances_expire(today=future(6)) == 1
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.OPEN


def test_expiry_reopens_only_a_risk_that_is_accepted(officer, operator, granted):
    risk = make(operator, [granted])
    accept(officer, risk, expires_on=future(5))
    Risk.objects.filter(pk=risk.pk).update(status=RiskStatus.IN_TREATMENT)  # out of step
    assert risk_acceptances_expire(today=future(6)) == 1
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.IN_TREATMENT
    assert RiskAcceptance.objects.get(risk=risk).end_reason == AcceptanceEnd.EXPIRED


def test_a_risk_nobody_owned_has_no_owners_and_bars_nobody(officer, granted):
    risk = make(None, [granted])
    assert owners_since_assessment(risk) == set()
    assert acceptance_bar(AnonymousUser(), risk) is None
    assert acceptance_bar(None, risk) is None
    assert acceptance_bar(officer, risk) is None
    assert can_accept(AnonymousUser(), risk) is False
    assert can_accept(None, risk) is False


def test_every_owner_and_every_hand_since_the_assessment_is_counted(make_user, officer, granted):
    first, second, third = (make_user("operator", username=f"owner{n}") for n in (1, 2, 3))
    changer = make_user("governance_officer", username="changer")
    risk = make(officer, [granted], owner=first)
    risk_update(actor=changer, risk=risk, owner=second)  # no new assessment
    risk_update(actor=officer, risk=risk, owner=third)
    assert owners_since_assessment(risk) == {first.pk, second.pk, third.pk, changer.pk, officer.pk}
    # A new assessment starts a new window: the owner then, and whoever changes it after.
    risk_update(actor=officer, risk=risk, residual_likelihood=1)
    assert owners_since_assessment(risk) == {third.pk}


def test_the_owner_counts_even_where_the_log_does_not_name_them(make_user, officer, granted):
    """The owner now and every owner the log names since the assessment, each counted on its
    own: an owner set outside the services (a data repair) is still the owner."""
    first, repaired = (make_user("operator", username=f"owner{n}") for n in (1, 2))
    risk = make(officer, [granted], owner=first)
    Risk.objects.filter(pk=risk.pk).update(owner=repaired)
    risk.refresh_from_db()
    assert owners_since_assessment(risk) == {first.pk, repaired.pk}
