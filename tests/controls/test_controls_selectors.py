"""Reads of the controls: restricted to the reader, the test-overdue flag computed in SQL, and
the filters of the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from controls.choices import ControlStatus
from controls.models import Control
from controls.selectors.controls import controls_list, requirement_controls
from controls.services.controls import control_retire
from tests.factories import (
    AISystemFactory,
    ControlFactory,
    ControlTestFactory,
    RequirementFactory,
)

pytestmark = pytest.mark.django_db


def _days_ago(n):
    return timezone.localdate() - timedelta(days=n)


def test_test_overdue_follows_the_interval_and_the_last_test(officer):
    never = ControlFactory(code="A", test_interval_days=30)
    recent = ControlFactory(code="B", test_interval_days=30)
    ControlTestFactory(control=recent, tested_on=_days_ago(29))
    boundary = ControlFactory(code="C", test_interval_days=30)
    ControlTestFactory(control=boundary, tested_on=_days_ago(30))
    old = ControlFactory(code="D", test_interval_days=30)
    ControlTestFactory(control=old, tested_on=_days_ago(31))
    no_interval = ControlFactory(code="E")
    retired = ControlFactory(code="F", test_interval_days=30)
    control_retire(actor=None, control=retired)
    rows = {c.code: c for c in controls_list(officer)}
    assert {code for code, c in rows.items() if c.test_overdue} == {"A", "D"}
    assert rows["B"].test_due_on == _days_ago(29) + timedelta(days=30)
    assert rows["E"].test_due_on is None
    overdue = controls_list(officer, {"test_overdue": "true"})
    assert sorted(c.code for c in overdue) == ["A", "D"]
    assert {never.pk, old.pk} == {c.pk for c in overdue}
    assert no_interval.pk in {c.pk for c in controls_list(officer, {"test_overdue": "false"})}


def test_an_operator_sees_granted_and_organisation_wide_controls(operator):
    mine = ControlFactory(code="MINE", ai_systems=[AISystemFactory(granted_to=[operator])])
    ControlFactory(code="THEIRS")
    ControlFactory(code="ORG", ai_systems=[])
    assert sorted(c.code for c in controls_list(operator)) == ["MINE", "ORG"]
    assert list(controls_list(operator, {"organisation_wide": "false"})) == [mine]


def test_filters_by_system_requirement_status_and_search(officer):
    system = AISystemFactory()
    requirement = RequirementFactory()
    ControlFactory(
        code="CTL-1",
        name="公平性モニタリング",
        ai_systems=[system],
        requirement_links=[(requirement, "")],
        status=ControlStatus.OPERATING,
    )
    ControlFactory(code="CTL-2", name="教育")
    codes = lambda filters: sorted(c.code for c in controls_list(officer, filters))  # noqa: E731
    assert codes({"ai_system": system.pk}) == ["CTL-1"]
    assert codes({"requirement": requirement.pk}) == ["CTL-1"]
    assert codes({"framework": requirement.framework_id}) == ["CTL-1"]
    assert codes({"status": ["operating"]}) == ["CTL-1"]
    assert codes({"status": ["planned"]}) == ["CTL-2"]


def test_requirement_controls_lists_only_visible_controls_with_notes(operator):
    requirement = RequirementFactory()
    mine = ControlFactory(
        ai_systems=[AISystemFactory(granted_to=[operator])],
        requirement_links=[(requirement, "月次で確認")],
    )
    ControlFactory(requirement_links=[(requirement, "hidden")])
    links = requirement_controls(requirement, operator)
    assert [(link.control, link.note) for link in links] == [(mine, "月次で確認")]
    assert Control.objects.count() == 2
