"""The demo controls: 15 Japanese controls linked to Annex A and to the AI Guidelines or NIST
AI RMF, some of AI systems, with tests; the demo risks' treatment actions rely on them."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from aims import urns
from aims.scope import restrict
from controls.demo.controls import CONTROLS, NIST_AI_RMF
from controls.models import Control, ControlRequirement, ControlTest
from controls.selectors.controls import controls_list
from risk.models import TreatmentAction


@pytest.fixture
def demo(db, settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("load_demo", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


def test_the_demo_controls(demo):
    codes = list(Control.objects.values_list("code", flat=True))
    assert codes == [f"CTL-{n:03d}" for n in range(1, 16)] and len(CONTROLS) == 15
    assert all(any("\u3040" <= ch <= "\u9fff" for ch in c.name) for c in Control.objects.all())
    # Every link the demo names resolves in the shipped library.
    named = sum(len(spec["requirements"]) for spec in CONTROLS)
    assert ControlRequirement.objects.count() == named
    frameworks = set(
        ControlRequirement.objects.values_list("requirement__framework__urn", flat=True)
    )
    assert frameworks == {urns.ISO_42001, urns.METI_GUIDELINES, NIST_AI_RMF}
    assert Control.objects.filter(ai_systems__isnull=False).distinct().count() >= 6
    assert Control.objects.filter(ai_systems__isnull=True).count() >= 5
    assert ControlTest.objects.count() >= 10
    results = set(ControlTest.objects.values_list("result", flat=True))
    assert results == {"effective", "partly_effective", "not_effective"}
    overdue = {c.code for c in controls_list(demo["officer"], {"test_overdue": "true"})}
    assert {"CTL-003", "CTL-008", "CTL-013"} <= overdue
    call_command("load_demo", stdout=io.StringIO())  # idempotent
    assert Control.objects.count() == 15


def test_the_demo_treatment_actions_rely_on_controls_of_their_systems(demo):
    actions = TreatmentAction.objects.filter(implementing_controls__isnull=False).distinct()
    assert actions.count() >= 5
    for action in actions.prefetch_related("implementing_controls__ai_systems", "risk__ai_systems"):
        systems = set(action.risk.ai_systems.all())
        for control in action.implementing_controls.all():
            covered = set(control.ai_systems.all())
            assert not covered or covered & systems, (action, control)


def test_the_demo_operator_sees_their_systems_and_the_organisation_wide_controls(demo):
    seen = restrict(Control.objects.all(), demo["operator"])
    names = {s.name for c in seen for s in c.ai_systems.all()}
    assert names <= {"製品不良検知AI", "送電線点検AI", "採用選考支援AI", "がん診断支援AI"}
    assert seen.filter(code="CTL-001").exists()  # organisation-wide
    assert not seen.filter(code="CTL-011").exists()  # 社内向け対話型AI only
