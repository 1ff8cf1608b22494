"""Requesting acceptance of a risk above the criteria: it reaches the inbox of those who may
accept it (top management, never its owner or a recent owner), they are told, and the
request closes when the risk is accepted, reassessed or closed. Bad requests change
nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aims.choices import Action, Role
from aims.inbox import inbox_counts, inbox_items
from aims.models import ChangeRecord, Notification
from aims.services.accounts import profile_update
from risk.choices import RequestOutcome, RiskStatus
from risk.models import AcceptanceRequest, Risk
from risk.services.acceptance import (
    acceptable_by,
    acceptors,
    can_accept,
    close_acceptance_request,
    risk_accept,
    risk_acceptance_request,
)
from risk.services.register import risk_create, risk_update
from tests.factories import UserFactory


def make(actor, systems, likelihood=4, impact=4, **data):
    """Residual 4×4 is "very_high" on the 5×5 matrix (above its criteria); 2×4 is "medium"
    (within them)."""
    return risk_create(
        actor=actor,
        ai_systems=systems,
        title="Face matching misidentifies passers-by",
        inherent_likelihood=4,
        inherent_impact=4,
        residual_likelihood=likelihood,
        residual_impact=impact,
        **data,
    )


def waiting(user) -> list[str]:
    return [i.title for g in inbox_items(user) if g.kind == "acceptance" for i in g.items]


def test_a_request_reaches_top_management_and_closes_on_acceptance(
    officer, executive, operator, granted
):
    second = UserFactory(username="exec_two", roles=[Role.TOP_MANAGEMENT])
    profile_update(user=operator, language="en")
    risk = make(operator, [granted])
    assert waiting(executive) == []
    request = risk_acceptance_request(actor=operator, risk=risk, note="Budget for masking is 2027")
    assert request.residual_level == "very_high" and request.closed_at is None
    record = ChangeRecord.objects.get(
        content_type__model="acceptancerequest", object_id=str(request.pk), action=Action.CREATE
    )
    assert record.actor == operator and record.after["note"] == "Budget for masking is 2027"
    assert waiting(executive) == [str(risk)] and waiting(second) == [str(risk)]
    assert inbox_counts(executive)["acceptance"] == 1
    assert waiting(officer) == [] and waiting(operator) == []  # no right to accept above
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"t_executive", "exec_two"}
    assert (
        "Budget for masking is 2027" in Notification.objects.filter(recipient=executive).get().body
    )

    risk_accept(
        actor=executive,
        risk=risk,
        rationale="Masking follows next year",
        expires_on=timezone.localdate() + timedelta(days=90),
    )
    request.refresh_from_db()
    assert request.outcome == RequestOutcome.ACCEPTED and request.closed_at is not None
    assert waiting(executive) == [] and waiting(second) == []
    owner_notes = Notification.objects.filter(recipient=operator)
    assert [n.subject for n in owner_notes] == [f"Risk accepted: {risk}"]
    # The acceptor is not told of their own step: only of the request.
    assert Notification.objects.filter(recipient=executive).count() == 1


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda risk, actor: None, "requested already"),
        (
            lambda risk, actor: risk_update(
                actor=actor, risk=risk, status=RiskStatus.CLOSED, closed_reason="System withdrawn"
            ),
            "closed risk",
        ),
    ],
    ids=["twice", "closed"],
)
def test_bad_requests_are_refused_and_change_nothing(officer, operator, granted, prepare, message):
    risk = make(operator, [granted])
    risk_acceptance_request(actor=operator, risk=risk)
    if message == "closed risk":
        prepare(risk, officer)  # closing the risk closes its request
        assert AcceptanceRequest.objects.get().outcome == RequestOutcome.CLOSED
    before = (
        AcceptanceRequest.objects.count(),
        ChangeRecord.objects.count(),
        Notification.objects.count(),
    )
    with pytest.raises(ValidationError) as caught:
        risk_acceptance_request(actor=operator, risk=Risk.objects.get(pk=risk.pk))
    assert message in " ".join(caught.value.messages)
    after = (
        AcceptanceRequest.objects.count(),
        ChangeRecord.objects.count(),
        Notification.objects.count(),
    )
    assert after == before


def test_a_risk_within_the_criteria_needs_no_request(operator, granted):
    risk = make(operator, [granted], likelihood=2)
    with pytest.raises(ValidationError) as caught:
        risk_acceptance_request(actor=operator, risk=risk)
    assert "within the risk criteria" in " ".join(caught.value.messages)
    assert not AcceptanceRequest.objects.exists() and not Notification.objects.exists()


def test_only_someone_who_may_change_the_risk_asks(operator, other_system, executive):
    risk = make(None, [other_system])
    with pytest.raises(ValidationError):
        risk_acceptance_request(actor=operator, risk=risk)
    assert not AcceptanceRequest.objects.exists()


def test_a_reassessment_closes_the_request(operator, executive, granted):
    risk = make(operator, [granted])
    request = risk_acceptance_request(actor=operator, risk=risk)
    risk_update(actor=operator, risk=risk, residual_likelihood=2)
    request.refresh_from_db()
    assert request.outcome == RequestOutcome.REASSESSED
    assert waiting(executive) == []


def test_the_inbox_agrees_with_can_accept_through_the_owners_history(
    make_user, officer, operator, granted
):
    """``acceptable_by`` (SQL, for many risks) says what ``can_accept`` says for each person,
    as owners change hands and the risk is reassessed."""
    first, second, third, bystander = (
        make_user(Role.TOP_MANAGEMENT, username=f"tm{n}") for n in range(4)
    )
    risk = make(officer, [granted], owner=first)
    risk_acceptance_request(actor=officer, risk=risk)
    people = [first, second, third, bystander, officer, operator]

    def agree():
        fresh = Risk.objects.get(pk=risk.pk)
        listed = {
            p.pk for p in people if acceptable_by(Risk.objects.filter(pk=risk.pk), p).exists()
        }
        assert listed == {p.pk for p in people if can_accept(p, fresh)}
        return listed

    assert agree() == {second.pk, third.pk, bystander.pk}
    risk_update(actor=second, risk=risk, owner=operator)  # second handed it on
    assert agree() == {third.pk, bystander.pk}
    risk_update(actor=officer, risk=risk, owner=third)
    assert agree() == {bystander.pk}
    # A new assessment (still above the criteria) opens a new window: only the owner now.
    risk_update(actor=officer, risk=risk, residual_likelihood=5)
    assert agree() == {first.pk, second.pk, bystander.pk}


def test_request_in_the_page_and_the_api(
    officer, executive, operator, granted, client_for, api_client_for
):
    risk = make(operator, [granted])
    client = client_for(operator)
    page = client.get(reverse("risk", args=[risk.pk])).content.decode()
    assert 'data-testid="request-acceptance"' in page
    response = client.post(reverse("risk_request_acceptance", args=[risk.pk]), {"note": "Please"})
    assert response.status_code == 302
    page = client.get(reverse("risk", args=[risk.pk])).content.decode()
    assert 'data-testid="acceptance-request"' in page
    assert 'data-testid="request-acceptance"' not in page
    assert waiting(executive) == [str(risk)]
    again = api_client_for(operator).post(
        reverse("api:risk-request-acceptance", args=[risk.pk]),
        {},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 400
    assert "requested already" in str(again.json()["error"])
    other = make(operator, [granted])
    answer = api_client_for(operator).post(
        reverse("api:risk-request-acceptance", args=[other.pk]), {"note": "API"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["id"] == other.pk
    assert AcceptanceRequest.objects.get(risk=other).note == "API"
    api = api_client_for(executive).get(reverse("api:inbox")).json()
    assert api["counts"]["acceptance"] == 2
    within = make(operator, [granted], likelihood=2)
    refused = api_client_for(operator).post(
        reverse("api:risk-request-acceptance", args=[within.pk]), {}, format="json"
    )
    assert refused.status_code == 400
    assert not AcceptanceRequest.objects.filter(risk=within).exists()


def test_an_inactive_acceptor_has_nothing_to_accept(executive, operator, granted):
    risk = make(operator, [granted])
    assert list(acceptable_by(Risk.objects.filter(pk=risk.pk), executive)) == [risk]
    executive.is_active = False
    executive.save(update_fields=["is_active"])
    assert list(acceptable_by(Risk.objects.filter(pk=risk.pk), executive)) == []


def test_who_is_asked_to_accept(make_user, officer, operator, granted):
    owner, other = (make_user(Role.TOP_MANAGEMENT, username=f"acc{n}") for n in range(2))
    within = make(operator, [granted], likelihood=2)
    assert acceptors(within) == []  # within the criteria nobody is asked
    above = make(officer, [granted], owner=owner)
    assert acceptors(above) == [other]  # never the owner, who may see it


def test_closing_a_request_returns_it(operator, granted):
    risk = make(operator, [granted])
    request = risk_acceptance_request(actor=operator, risk=risk)
    closed = close_acceptance_request(operator, risk, RequestOutcome.CLOSED)
    assert closed is not None and closed.pk == request.pk and closed.closed_at is not None
    assert close_acceptance_request(operator, risk, RequestOutcome.CLOSED) is None


def test_a_risk_accepted_already_takes_no_request(executive, operator, granted):
    risk = make(operator, [granted])
    risk_accept(
        actor=executive,
        risk=risk,
        rationale="Masking ships in 2027",
        expires_on=timezone.localdate() + timedelta(days=90),
    )
    before = (AcceptanceRequest.objects.count(), ChangeRecord.objects.count())
    with pytest.raises(ValidationError) as caught:
        risk_acceptance_request(actor=operator, risk=Risk.objects.get(pk=risk.pk))
    assert "accepted already" in " ".join(caught.value.messages)
    assert (AcceptanceRequest.objects.count(), ChangeRecord.objects.count()) == before


def test_a_note_longer_than_its_column_is_refused(operator, granted):
    risk = make(operator, [granted])
    with pytest.raises(ValidationError):
        risk_acceptance_request(actor=operator, risk=risk, note="x" * 20_001)
    assert not AcceptanceRequest.objects.exists() and not Notification.objects.exists()


def test_an_edit_of_other_fields_is_no_new_assessment(make_user, officer, operator, granted):
    """Only a change of the assessment opens a new window: an owner who handed the risk on
    stays barred after an edit of its description."""
    first, other = (make_user(Role.TOP_MANAGEMENT, username=f"own{n}") for n in range(2))
    risk = make(officer, [granted], owner=first)
    risk_update(actor=officer, risk=risk, owner=operator)
    risk_update(actor=officer, risk=Risk.objects.get(pk=risk.pk), description="Reworded")
    fresh = Risk.objects.get(pk=risk.pk)
    assert not can_accept(first, fresh) and can_accept(other, fresh)
    rows = Risk.objects.filter(pk=risk.pk)
    assert not acceptable_by(rows, first).exists() and acceptable_by(rows, other).exists()


def test_a_change_that_leaves_the_owner_unset_involves_nobody(executive, granted):
    """A risk without an owner stays without one through an edit: the editor did not change
    its owner, so they may still accept it (an unset owner before and after is no change)."""
    risk = make(None, [granted])  # registered by the system: nobody owns it yet
    assert risk.owner is None
    risk_update(actor=executive, risk=risk, description="Clarified")
    fresh = Risk.objects.get(pk=risk.pk)
    assert can_accept(executive, fresh)
    assert acceptable_by(Risk.objects.filter(pk=risk.pk), executive).exists()
