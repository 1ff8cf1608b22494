"""``aims.scope.SystemsOrOrganisation``: a row linked to AI systems is scoped through them, a
row linked to none is the organisation's. Checked on controls (``ai_systems``), their tests
and requirement links (``control__ai_systems``, a hop before the systems)."""

from __future__ import annotations

import pytest

from aims.scope import CHANGE, VIEW, restrict
from controls.models import Control, ControlRequirement, ControlTest
from tests.factories import (
    AISystemFactory,
    ControlFactory,
    ControlTestFactory,
    RequirementFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(operator):
    """Controls of a system granted to the operator, of another system, of both, and of none
    (organisation-wide), each with a test and a requirement link."""
    granted, other = AISystemFactory(granted_to=[operator]), AISystemFactory()
    requirement = RequirementFactory()
    made = {
        "granted": ControlFactory(code="GRANTED", ai_systems=[granted]),
        "other": ControlFactory(code="OTHER", ai_systems=[other]),
        "both": ControlFactory(code="BOTH", ai_systems=[granted, other]),
        "organisation": ControlFactory(code="ORG", ai_systems=[]),
    }
    for control in made.values():
        ControlTestFactory(control=control)
        ControlRequirement.objects.create(control=control, requirement=requirement)
    return made


def _codes(model, user, action):
    queryset = model.objects.all()
    path = {Control: "code", ControlTest: "control__code", ControlRequirement: "control__code"}
    return sorted(restrict(queryset, user, action).values_list(path[model], flat=True))


MODELS = [Control, ControlTest, ControlRequirement]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_an_operator_sees_organisation_wide_and_granted_rows_and_changes_only_granted(
    operator, rows, model
):
    assert _codes(model, operator, VIEW) == ["BOTH", "GRANTED", "ORG"]
    assert _codes(model, operator, CHANGE) == ["BOTH", "GRANTED"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_officer_sees_and_changes_every_row(officer, rows, model):
    everything = ["BOTH", "GRANTED", "ORG", "OTHER"]
    assert _codes(model, officer, VIEW) == everything
    assert _codes(model, officer, CHANGE) == everything


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_an_external_auditor_sees_nothing_without_an_audit(external_auditor, rows, model):
    assert _codes(model, external_auditor, VIEW) == []
    assert _codes(model, external_auditor, CHANGE) == []


@pytest.mark.parametrize("persona", ["viewer", "auditor", "executive"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_readers_of_all_records_see_every_row_and_change_none(request, rows, model, persona):
    user = request.getfixturevalue(persona)
    assert _codes(model, user, VIEW) == ["BOTH", "GRANTED", "ORG", "OTHER"]
    assert _codes(model, user, CHANGE) == []


def test_a_row_of_two_granted_systems_appears_once(operator):
    first, second = AISystemFactory(granted_to=[operator]), AISystemFactory(granted_to=[operator])
    ControlFactory(ai_systems=[first, second])
    assert restrict(Control.objects.all(), operator, VIEW).count() == 1


def test_anonymous_and_deactivated_users_see_nothing(operator, rows):
    assert not restrict(Control.objects.all(), None, VIEW).exists()
    operator.is_active = False
    assert not restrict(Control.objects.all(), operator, VIEW).exists()
