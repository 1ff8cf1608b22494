"""Nonconformities and corrective action (10.2) through their services: the loop, who may take
each step, and every bad input refused with a clear message and nothing changed."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aims.choices import Role
from aims.models import ChangeRecord, Notification
from audit.choices import (
    ActionStatus,
    CauseCategory,
    NonconformitySource,
    NonconformityStatus,
    Severity,
    VerificationResult,
)
from audit.models import CorrectiveAction, Nonconformity
from audit.services.nonconformities import (
    corrective_action_complete,
    corrective_action_create,
    corrective_action_update,
    nonconformity_close,
    nonconformity_create,
    nonconformity_reopen,
    nonconformity_submit,
    nonconformity_update,
    nonconformity_verify,
)
from tests.factories import (
    AISystemFactory,
    CorrectiveActionFactory,
    NonconformityFactory,
    UserFactory,
)
from tests.factories.nonconformities import stand_in_finding

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    operator = UserFactory(username="nc_operator", roles=[Role.OPERATIONAL_MEMBER])
    return {
        "officer": UserFactory(username="nc_officer", roles=[Role.GOVERNANCE_OFFICER]),
        "auditor": UserFactory(username="nc_auditor", roles=[Role.INTERNAL_AUDITOR]),
        "auditor2": UserFactory(username="nc_auditor2", roles=[Role.INTERNAL_AUDITOR]),
        "operator": operator,
        "stranger": UserFactory(username="nc_stranger", roles=[Role.OPERATIONAL_MEMBER]),
        "viewer": UserFactory(username="nc_viewer", roles=[Role.VIEWER]),
        "executive": UserFactory(username="nc_exec", roles=[Role.TOP_MANAGEMENT]),
        "system": AISystemFactory(granted_to=[operator]),
    }


def _raise(people, **kwargs):
    kwargs.setdefault("ai_systems", [people["system"]])
    kwargs.setdefault("owner", people["operator"])
    return NonconformityFactory(actor=people["auditor"], **kwargs)


def _ready(people, nc=None):
    """A nonconformity with a root cause and its action done, awaiting verification."""
    nc = nc or _raise(people)
    operator = people["operator"]
    nonconformity_update(
        actor=operator,
        nonconformity=nc,
        correction="Records restored.",
        corrected_on=timezone.localdate(),
        why_chain=["No record", "Nobody assigned"],
        root_cause="The procedure names nobody to keep the records.",
        cause_category=CauseCategory.PROCESS,
    )
    action = corrective_action_create(
        actor=operator, nonconformity=nc, title="Name the record keeper", owner=operator
    )
    corrective_action_complete(actor=operator, action=action)
    return nonconformity_submit(actor=operator, nonconformity=nc), action


def _unchanged(nc):
    """The row and its change log as they are (to compare after a refusal)."""
    row = Nonconformity.objects.values().get(pk=nc.pk)
    return row, ChangeRecord.objects.count()


# --- The loop -----------------------------------------------------------------------------------
def test_the_whole_loop_runs_and_is_logged(people):
    nc = _raise(people)
    assert nc.reference == f"NC-{timezone.localdate().year}-001"
    assert nc.status == NonconformityStatus.OPEN
    assert Notification.objects.filter(recipient=people["operator"]).count() == 1
    nc, action = _ready(people, nc)
    assert nc.status == NonconformityStatus.AWAITING_VERIFICATION
    assert action.status == ActionStatus.DONE and action.completed_on == timezone.localdate()
    # The auditors and the officer (not the operator, who owns the action) are asked.
    asked = set(
        Notification.objects.filter(dedupe_key__contains="-verify:").values_list(
            "recipient__username", flat=True
        )
    )
    assert asked == {"nc_auditor", "nc_auditor2", "nc_officer"}
    nc = nonconformity_verify(
        actor=people["auditor2"], nonconformity=nc, result=VerificationResult.EFFECTIVE, note="OK"
    )
    assert nc.verified_by == people["auditor2"]
    nc = nonconformity_close(actor=people["auditor2"], nonconformity=nc)
    assert nc.status == NonconformityStatus.CLOSED and nc.closed_at is not None
    actions = ChangeRecord.objects.filter(object_id=str(nc.pk), content_type__model="nonconformity")
    assert actions.count() >= 5  # create, response, in progress, submit, verify, close


def test_references_are_numbered_per_year(people):
    first = _raise(people)
    second = _raise(people)
    last_year = _raise(
        people, raised_on=timezone.localdate().replace(month=1, day=1) - timedelta(days=1)
    )
    year = timezone.localdate().year
    assert [first.reference, second.reference] == [f"NC-{year}-001", f"NC-{year}-002"]
    assert last_year.reference == f"NC-{year - 1}-001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_raisers_never_take_the_same_reference(people):
    errors = []

    def raise_one():
        try:
            with transaction.atomic():
                nonconformity_create(
                    actor=None,
                    source=NonconformitySource.DIRECT,
                    title="Concurrent",
                    description="x",
                    severity=Severity.MINOR,
                )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=raise_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    references = list(Nonconformity.objects.values_list("reference", flat=True))
    assert len(references) == 4 and len(set(references)) == 4


def test_not_effective_reopens_and_tells_the_owners(people):
    nc, action = _ready(people)
    nc = nonconformity_verify(
        actor=people["auditor2"],
        nonconformity=nc,
        result=VerificationResult.NOT_EFFECTIVE,
        note="Two records still missing.",
    )
    assert nc.status == NonconformityStatus.IN_PROGRESS
    assert nc.reopened_count == 1
    assert Notification.objects.filter(
        recipient=people["operator"], dedupe_key__contains="-verified:"
    ).exists()


def test_the_officer_raises_from_an_incident_and_verifies(people):
    nc = NonconformityFactory(
        actor=people["officer"],
        source=NonconformitySource.INCIDENT,
        ai_systems=[people["system"]],
        owner=people["operator"],
    )
    nc, _action = _ready(people, nc)
    nc = nonconformity_verify(
        actor=people["officer"], nonconformity=nc, result=VerificationResult.EFFECTIVE
    )
    assert nonconformity_close(actor=people["officer"], nonconformity=nc).status == "closed"


def test_a_finding_opens_its_nonconformity_once(people):
    finding = stand_in_finding()
    nc = nonconformity_create(
        actor=people["auditor"],
        source=NonconformitySource.AUDIT_FINDING,
        finding=finding,
        title=finding.title,
        description=finding.description,
        severity=Severity.MINOR,
    )
    assert nc.requirement == finding.requirement
    with pytest.raises(ValidationError) as error:
        nonconformity_create(
            actor=people["auditor"],
            source=NonconformitySource.AUDIT_FINDING,
            finding=finding,
            title="again",
            description="again",
            severity=Severity.MINOR,
        )
    assert "finding" in error.value.message_dict


def test_a_member_granted_the_system_responds_without_owning_it(people):
    nc = _raise(people, owner=None)
    nc = nonconformity_update(actor=people["operator"], nonconformity=nc, root_cause="Cause")
    assert nc.root_cause == "Cause" and nc.status == NonconformityStatus.IN_PROGRESS


def test_the_action_owner_completes_their_action(people):
    nc = _raise(people)
    action = corrective_action_create(
        actor=people["auditor"], nonconformity=nc, title="Fix", owner=people["operator"]
    )
    done = corrective_action_complete(actor=people["operator"], action=action)
    assert done.status == ActionStatus.DONE


# --- Bad input: a clear error, nothing changed --------------------------------------------------
def test_closing_without_verification_is_refused(people):
    nc, _action = _ready(people)
    before = _unchanged(nc)
    with pytest.raises(ValidationError) as error:
        nonconformity_close(actor=people["auditor2"], nonconformity=nc)
    assert "verified effective" in error.value.messages[0]
    assert _unchanged(nc) == before


def test_the_database_refuses_a_closed_row_without_verification(people):
    nc = _raise(people)
    with pytest.raises(IntegrityError), transaction.atomic():
        Nonconformity.objects.filter(pk=nc.pk).update(status=NonconformityStatus.CLOSED)


def test_verification_by_an_action_owner_is_refused(people):
    nc = _raise(people)
    nonconformity_update(actor=people["auditor"], nonconformity=nc, root_cause="Cause")
    action = corrective_action_create(
        actor=people["auditor"], nonconformity=nc, title="Fix", owner=people["auditor2"]
    )
    corrective_action_complete(actor=people["auditor2"], action=action)
    nc = nonconformity_submit(actor=people["auditor"], nonconformity=nc)
    before = _unchanged(nc)
    with pytest.raises(ValidationError) as error:
        nonconformity_verify(
            actor=people["auditor2"], nonconformity=nc, result=VerificationResult.EFFECTIVE
        )
    assert "owners" in error.value.messages[0]
    assert _unchanged(nc) == before


def test_verification_by_the_nonconformity_owner_is_refused(people):
    nc, _action = _ready(people, _raise(people, owner=people["officer"]))
    before = _unchanged(nc)
    with pytest.raises(ValidationError):
        nonconformity_verify(
            actor=people["officer"], nonconformity=nc, result=VerificationResult.EFFECTIVE
        )
    assert _unchanged(nc) == before


@pytest.mark.parametrize("who", ["operator", "viewer", "executive"])
def test_only_an_auditor_or_the_officer_verifies(people, who):
    nc, _action = _ready(people)
    before = _unchanged(nc)
    with pytest.raises(ValidationError) as error:
        nonconformity_verify(
            actor=people[who], nonconformity=nc, result=VerificationResult.EFFECTIVE
        )
    assert "internal auditor or the governance officer" in error.value.messages[0]
    assert _unchanged(nc) == before


def test_not_effective_needs_a_note(people):
    nc, _action = _ready(people)
    before = _unchanged(nc)
    with pytest.raises(ValidationError) as error:
        nonconformity_verify(
            actor=people["auditor2"], nonconformity=nc, result=VerificationResult.NOT_EFFECTIVE
        )
    assert "note" in error.value.message_dict
    assert _unchanged(nc) == before


def test_submit_without_a_root_cause_is_refused(people):
    nc = _raise(people)
    action = CorrectiveActionFactory(nonconformity=nc, owner=people["operator"])
    corrective_action_complete(actor=people["operator"], action=action)
    before = _unchanged(nc)
    with pytest.raises(ValidationError) as error:
        nonconformity_submit(actor=people["operator"], nonconformity=nc)
    assert "root cause" in error.value.messages[0]
    assert _unchanged(nc) == before


def test_submit_without_actions_is_refused(people):
    nc = _raise(people)
    nonconformity_update(actor=people["operator"], nonconformity=nc, root_cause="Cause")
    nc.refresh_from_db()
    before = _unchanged(nc)
    with pytest.raises(ValidationError) as error:
        nonconformity_submit(actor=people["operator"], nonconformity=nc)
    assert "at least one corrective action" in error.value.messages[0]
    assert _unchanged(nc) == before


def test_submit_with_an_action_still_open_is_refused(people):
    nc = _raise(people)
    nonconformity_update(actor=people["operator"], nonconformity=nc, root_cause="Cause")
    CorrectiveActionFactory(nonconformity=nc, owner=people["operator"])
    nc.refresh_from_db()
    before = _unchanged(nc)
    with pytest.raises(ValidationError) as error:
        nonconformity_submit(actor=people["operator"], nonconformity=nc)
    assert "done or cancelled" in error.value.messages[0]
    assert _unchanged(nc) == before


def test_an_action_owner_who_cannot_see_the_nonconformity_is_refused(people):
    nc = _raise(people)
    count = CorrectiveAction.objects.count()
    with pytest.raises(ValidationError) as error:
        corrective_action_create(
            actor=people["operator"], nonconformity=nc, title="Fix", owner=people["stranger"]
        )
    assert "may not see this nonconformity" in error.value.message_dict["owner"][0]
    assert CorrectiveAction.objects.count() == count
    action = CorrectiveActionFactory(nonconformity=nc, owner=people["operator"])
    with pytest.raises(ValidationError):
        corrective_action_update(actor=people["operator"], action=action, owner=people["stranger"])
    action.refresh_from_db()
    assert action.owner == people["operator"]


def test_reopen_without_a_reason_is_refused(people):
    nc, _action = _ready(people)
    nc = nonconformity_verify(
        actor=people["auditor2"], nonconformity=nc, result=VerificationResult.EFFECTIVE
    )
    nc = nonconformity_close(actor=people["auditor2"], nonconformity=nc)
    before = _unchanged(nc)
    with pytest.raises(ValidationError) as error:
        nonconformity_reopen(actor=people["auditor2"], nonconformity=nc, reason="  ")
    assert "reason" in error.value.message_dict
    assert _unchanged(nc) == before
    nc = nonconformity_reopen(
        actor=people["auditor2"], nonconformity=nc, reason="The finding recurred."
    )
    assert nc.status == NonconformityStatus.IN_PROGRESS and nc.reopened_count == 1
    assert nc.verification_result == "" and nc.closed_at is None
    record = ChangeRecord.objects.order_by("-id").first()
    assert record.after["reopen_reason"] == "The finding recurred."


def test_an_operator_may_not_reopen_or_close(people):
    nc, _action = _ready(people)
    before = _unchanged(nc)
    with pytest.raises(ValidationError):
        nonconformity_reopen(actor=people["operator"], nonconformity=nc, reason="Because")
    with pytest.raises(ValidationError):
        nonconformity_close(actor=people["operator"], nonconformity=nc)
    assert _unchanged(nc) == before


def test_who_may_raise(people):
    count = Nonconformity.objects.count()
    for who in ("operator", "viewer", "executive"):
        with pytest.raises(ValidationError):
            NonconformityFactory(actor=people[who], ai_systems=[people["system"]])
    with pytest.raises(ValidationError) as error:  # a finding's NC is the auditor's
        NonconformityFactory(
            actor=people["officer"], source=NonconformitySource.AUDIT_FINDING, ai_systems=[]
        )
    assert "source" in error.value.message_dict
    assert Nonconformity.objects.count() == count


def test_a_member_without_the_system_may_not_respond(people):
    nc = _raise(people, owner=None)
    before = _unchanged(nc)
    with pytest.raises(ValidationError):
        nonconformity_update(actor=people["stranger"], nonconformity=nc, root_cause="Mine")
    with pytest.raises(ValidationError):
        corrective_action_create(actor=people["stranger"], nonconformity=nc, title="Fix")
    assert _unchanged(nc) == before


def test_a_member_may_not_change_the_record_itself(people):
    nc = _raise(people)
    before = _unchanged(nc)
    with pytest.raises(ValidationError) as error:
        nonconformity_update(actor=people["operator"], nonconformity=nc, severity=Severity.MAJOR)
    assert "severity" in error.value.message_dict
    assert _unchanged(nc) == before


def test_nothing_changes_while_awaiting_verification_or_closed(people):
    nc, action = _ready(people)
    before = _unchanged(nc)
    with pytest.raises(ValidationError):
        nonconformity_update(actor=people["operator"], nonconformity=nc, root_cause="Other")
    with pytest.raises(ValidationError):
        corrective_action_update(actor=people["operator"], action=action, title="Other")
    assert _unchanged(nc) == before


def test_bad_values_are_refused(people):
    nc = _raise(people)
    before = _unchanged(nc)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        nonconformity_update(
            actor=people["operator"],
            nonconformity=nc,
            corrected_on=tomorrow,
            cause_category="bogus",
            why_chain=["why"] * 11,
        )
    assert set(error.value.message_dict) == {"corrected_on", "cause_category", "why_chain"}
    assert _unchanged(nc) == before
    with pytest.raises(ValidationError) as error:
        NonconformityFactory(actor=people["auditor"], severity="huge", raised_on=tomorrow)
    assert {"severity", "raised_on"} <= set(error.value.message_dict)
