"""Writes of the organisation's controls: every write is logged; bad input is refused with a
clear message and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aims.choices import Action
from aims.models import ChangeRecord
from controls.choices import ControlStatus
from controls.choices import TestResult as Result
from controls.models import Control, ControlRequirement, ControlTest
from controls.services.controls import (
    control_create,
    control_requirement_add,
    control_requirement_remove,
    control_requirement_update,
    control_requirements_set,
    control_retire,
    control_test_create,
    control_update,
)
from tests.api_cases import last_record_id, records_since
from tests.factories import (
    AISystemFactory,
    ControlFactory,
    ControlTestFactory,
    FrameworkFactory,
    RequirementFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def requirement():
    return RequirementFactory(assessable=True)


def _unchanged(mark):
    assert not records_since(mark).exists()


def test_create_logs_and_links_systems_and_requirements(officer, requirement):
    system = AISystemFactory()
    control = control_create(
        actor=officer,
        code="CTL-100",
        name="人による最終確認",
        description="AIの判定は担当者が確認する",
        ai_systems=[system],
        requirement_links=[(requirement, "手順書 3.2")],
    )
    assert control.owner == officer and control.status == ControlStatus.PLANNED
    assert list(control.ai_systems.all()) == [system]
    link = control.requirement_links.get()
    assert (link.requirement, link.note) == (requirement, "手順書 3.2")
    created = ChangeRecord.objects.filter(action=Action.CREATE)
    assert created.filter(object_id=str(control.pk), actor=officer).exists()
    assert created.filter(object_id=str(link.pk)).exists()


def test_status_moves_along_its_life_and_every_step_is_logged(officer):
    control = ControlFactory(actor=officer)
    for status in (ControlStatus.IMPLEMENTING, ControlStatus.OPERATING):
        mark = last_record_id()
        control_update(actor=officer, control=control, status=status)
        record = records_since(mark, control).get()
        assert record.before["status"] != record.after["status"] == status


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (ControlStatus.PLANNED, ControlStatus.OPERATING),
        (ControlStatus.OPERATING, ControlStatus.PLANNED),
        (ControlStatus.PLANNED, "unknown"),
    ],
)
def test_an_unknown_status_transition_is_refused(officer, start, target):
    control = ControlFactory(status=start)
    mark = last_record_id()
    with pytest.raises(ValidationError) as error:
        control_update(actor=officer, control=control, status=target, name="changed")
    assert "status" in error.value.message_dict
    control.refresh_from_db()
    assert control.status == start and control.name != "changed"
    _unchanged(mark)


def test_a_control_is_not_registered_retired(officer):
    with pytest.raises(ValidationError) as error:
        control_create(actor=officer, code="X-1", name="x", status=ControlStatus.RETIRED)
    assert "status" in error.value.message_dict
    assert not Control.objects.exists()


def test_retire_keeps_the_control_and_a_retired_control_changes_no_more(officer, requirement):
    control = ControlFactory(requirement_links=[(requirement, "")])
    mark = last_record_id()
    control_retire(actor=officer, control=control)
    assert records_since(mark, control).get().after["status"] == ControlStatus.RETIRED
    assert Control.objects.filter(pk=control.pk).exists()
    link, other = control.requirement_links.get(), RequirementFactory(assessable=True)
    mark = last_record_id()
    for attempt in (
        lambda: control_update(actor=officer, control=control, name="changed"),
        lambda: control_retire(actor=officer, control=control),
        lambda: control_test_create(
            actor=officer, control=control, tested_on=timezone.localdate(), result="effective"
        ),
        lambda: control_requirement_update(actor=officer, link=link, note="new"),
        lambda: control_requirement_remove(actor=officer, link=link),
        lambda: control_requirement_add(actor=officer, control=control, requirement=other),
    ):
        with pytest.raises(ValidationError, match="retired"):
            attempt()
    control.refresh_from_db()
    assert control.name != "changed" and control.requirement_links.count() == 1
    assert not control.tests.exists()
    _unchanged(mark)


def test_a_duplicate_code_is_refused(officer):
    ControlFactory(code="CTL-001")
    with pytest.raises(ValidationError) as error:
        control_create(actor=officer, code="ctl-001", name="Another", ai_systems=[])
    assert "CTL-001" in error.value.message_dict["code"][0]
    assert Control.objects.count() == 1
    other = ControlFactory(code="CTL-002")
    mark = last_record_id()
    with pytest.raises(ValidationError):
        control_update(actor=officer, control=other, code="CTL-001")
    other.refresh_from_db()
    assert other.code == "CTL-002"
    _unchanged(mark)


def test_an_operator_links_only_systems_they_may_change(operator):
    mine, theirs = AISystemFactory(granted_to=[operator]), AISystemFactory()
    with pytest.raises(ValidationError) as error:
        control_create(actor=operator, code="C-1", name="x", ai_systems=[mine, theirs])
    assert "ai_systems" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        control_create(actor=operator, code="C-1", name="x", ai_systems=[])
    assert "organisation-wide" in error.value.message_dict["ai_systems"][0]
    assert not Control.objects.exists()
    control = control_create(actor=operator, code="C-1", name="x", ai_systems=[mine])
    assert list(control.ai_systems.all()) == [mine]


def test_an_operator_keeps_the_links_to_systems_out_of_their_reach(operator, officer):
    mine, theirs = AISystemFactory(granted_to=[operator]), AISystemFactory()
    control = control_create(actor=officer, code="C-1", name="x", ai_systems=[mine, theirs])
    control_update(actor=operator, control=control, ai_systems=[mine], name="renamed")
    assert set(control.ai_systems.all()) == {mine, theirs}


def test_a_requirement_is_linked_once_with_a_note_that_can_change(officer, requirement):
    control = ControlFactory()
    link = control_requirement_add(
        actor=officer, control=control, requirement=requirement, note="a"
    )
    mark = last_record_id()
    with pytest.raises(ValidationError) as error:
        control_requirement_add(actor=officer, control=control, requirement=requirement)
    assert "requirement" in error.value.message_dict
    _unchanged(mark)
    control_requirement_update(actor=officer, link=link, note="b")
    record = records_since(mark, link).get()
    assert (record.before["note"], record.after["note"]) == ("a", "b")
    mark = last_record_id()
    control_requirement_remove(actor=officer, link=link)
    assert records_since(mark, model=ControlRequirement).get().action == Action.DELETE
    assert not control.requirement_links.exists()


def test_a_requirement_that_is_no_control_target_is_refused(officer):
    taxonomy_item = FrameworkFactory(category="taxonomy").requirements.get()
    heading = RequirementFactory(assessable=False)
    control = ControlFactory()
    mark = last_record_id()
    for target in (taxonomy_item, heading):
        with pytest.raises(ValidationError) as error:
            control_requirement_add(actor=officer, control=control, requirement=target)
        assert "requirement" in error.value.message_dict
    _unchanged(mark)


def test_a_requirement_the_actor_may_not_see_is_refused(officer, requirement):
    # The library is every signed-in user's; a deactivated account sees none of its rows.
    control = ControlFactory()
    officer.is_active = False
    mark = last_record_id()
    with pytest.raises(ValidationError) as error:
        control_requirement_add(actor=officer, control=control, requirement=requirement)
    assert "requirement" in error.value.message_dict
    _unchanged(mark)


def test_an_overlong_note_is_refused(officer, requirement):
    control = ControlFactory()
    with pytest.raises(ValidationError) as error:
        control_requirement_add(
            actor=officer, control=control, requirement=requirement, note="x" * 501
        )
    assert "note" in error.value.message_dict
    assert not control.requirement_links.exists()


def test_set_replaces_the_links_all_or_nothing(officer):
    first, second, third = (RequirementFactory(assessable=True) for _ in range(3))
    control = ControlFactory(requirement_links=[(first, "old"), (second, "")])
    control_requirements_set(
        actor=officer, control=control, links=[(first, "new"), (third, "added")]
    )
    assert {(lnk.requirement_id, lnk.note) for lnk in control.requirement_links.all()} == {
        (first.pk, "new"),
        (third.pk, "added"),
    }
    mark = last_record_id()
    with pytest.raises(ValidationError):
        control_requirements_set(
            actor=officer, control=control, links=[(second, ""), (second, "twice")]
        )
    with pytest.raises(ValidationError):  # the bad item comes after a removal
        control_requirements_set(actor=officer, control=control, links=[(first, "x" * 600)])
    assert control.requirement_links.count() == 2
    _unchanged(mark)


def test_a_test_keeps_the_last_test_of_the_control(officer):
    control = ControlFactory(test_interval_days=30)
    today = timezone.localdate()
    ControlTestFactory(control=control, tested_on=today - timedelta(days=10), result="effective")
    control.refresh_from_db()
    assert (control.last_tested_on, control.last_test_result) == (
        today - timedelta(days=10),
        Result.EFFECTIVE,
    )
    # An older test recorded later does not replace the newer result.
    mark = last_record_id()
    test = control_test_create(
        actor=officer,
        control=control,
        tested_on=today - timedelta(days=40),
        result=Result.NOT_EFFECTIVE,
        findings="古い記録",
    )
    control.refresh_from_db()
    assert control.last_test_result == Result.EFFECTIVE
    assert test.tester == officer == test.owner
    assert records_since(mark, test).get().action == Action.CREATE
    assert not records_since(mark, control).exists()
    control_test_create(
        actor=officer, control=control, tested_on=today, result=Result.PARTLY_EFFECTIVE
    )
    control.refresh_from_db()
    assert (control.last_tested_on, control.last_test_result) == (today, "partly_effective")


def test_a_test_dated_in_the_future_is_refused(officer):
    control = ControlFactory()
    mark = last_record_id()
    with pytest.raises(ValidationError) as error:
        control_test_create(
            actor=officer,
            control=control,
            tested_on=timezone.localdate() + timedelta(days=1),
            result=Result.EFFECTIVE,
        )
    assert "tested_on" in error.value.message_dict
    assert not ControlTest.objects.exists()
    _unchanged(mark)


def test_a_test_with_an_unknown_result_is_refused(officer):
    control = ControlFactory()
    with pytest.raises(ValidationError) as error:
        control_test_create(
            actor=officer, control=control, tested_on=timezone.localdate(), result="great"
        )
    assert "result" in error.value.message_dict
    assert not ControlTest.objects.exists()


def test_a_field_the_service_does_not_set_is_refused(officer):
    with pytest.raises(ValidationError) as error:
        control_create(actor=officer, code="C-9", name="x", last_test_result="effective")
    assert "last_test_result" in error.value.message_dict
    assert not Control.objects.exists()


def test_requirement_links_reach_any_framework(officer):
    nist_like = RequirementFactory(
        framework=FrameworkFactory(category="guideline"), assessable=True
    )
    control = ControlFactory(requirement_links=[(nist_like, "GOVERN 1.1")])
    assert control.requirement_links.get().requirement == nist_like


def test_a_treatment_action_links_visible_controls_and_no_newly_retired_one(operator):
    from risk.services.treatment import treatment_action_create, treatment_action_update
    from tests.factories import RiskFactory

    system = AISystemFactory(granted_to=[operator])
    risk = RiskFactory(ai_systems=[system])
    mine, hidden = ControlFactory(ai_systems=[system]), ControlFactory()
    retired = ControlFactory(ai_systems=[system])
    control_retire(actor=None, control=retired)
    mark = last_record_id()
    for controls, message in (([hidden], "may see"), ([retired], "retired")):
        with pytest.raises(ValidationError, match=message):
            treatment_action_create(
                actor=operator, risk=risk, title="x", implementing_controls=controls
            )
    _unchanged(mark)
    action = treatment_action_create(
        actor=operator, risk=risk, title="監視", implementing_controls=[mine]
    )
    record = records_since(mark, action).get()
    assert record.after["implementing_controls"] == [mine.pk]
    treatment_action_update(actor=operator, action=action, implementing_controls=[])
    assert not action.implementing_controls.exists()
