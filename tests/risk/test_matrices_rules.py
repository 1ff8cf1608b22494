"""The rules of writing matrices and criteria, one by one: what may be set, when a matrix is
in use, versions of a matrix in use, the default matrix, and criteria that follow levels."""

from __future__ import annotations

import copy

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from aims.choices import Action
from aims.models import ChangeRecord
from risk.models import RiskCriteria, RiskMatrix
from risk.services.matrices import (
    MATRIX_DATA,
    matrix_in_use,
    risk_criteria_update,
    risk_matrix_create,
    risk_matrix_update,
)
from risk.services.register import risk_create


def shape(matrix: RiskMatrix) -> dict:
    return {name: copy.deepcopy(getattr(matrix, name)) for name in MATRIX_DATA}


def records(obj, action=None) -> list[ChangeRecord]:
    rows = ChangeRecord.objects.filter(
        object_id=str(obj.pk), content_type=ContentType.objects.get_for_model(obj)
    ).order_by("id")
    return list(rows.filter(action=action) if action else rows)


def use(matrix: RiskMatrix, actor, system) -> None:
    risk_create(
        actor=actor,
        title="Uses the matrix",
        ai_systems=[system],
        matrix=matrix,
        inherent_likelihood=1,
        inherent_impact=1,
    )


def new_matrix(actor, m3, **fields) -> RiskMatrix:
    data = {"code": "extra", "name_en": "Extra", "name_ja": "追加", **shape(m3), **fields}
    return risk_matrix_create(actor=actor, **data)


def test_a_matrix_is_in_use_once_a_record_was_assessed_with_it(officer, m3, system):
    assert not matrix_in_use(m3)  # its criteria do not count
    use(m3, officer, system)
    assert matrix_in_use(m3)


def test_creating_refuses_fields_that_cannot_be_set(officer, m3):
    with pytest.raises(ValidationError) as caught:
        new_matrix(officer, m3, version=7)
    assert caught.value.message_dict == {"version": ["This field cannot be set."]}
    assert not RiskMatrix.objects.filter(code="extra").exists()


def test_a_new_matrix_without_criteria_levels_and_its_records(officer, m3):
    matrix = new_matrix(officer, m3)
    assert (matrix.version, matrix.is_current, matrix.is_default) == (1, True, False)
    assert matrix.criteria.acceptable_levels == []
    assert len(records(matrix, Action.CREATE)) == 1
    assert len(records(matrix.criteria, Action.CREATE)) == 1


def test_unknown_criteria_levels_are_named(officer, m3):
    with pytest.raises(ValidationError) as caught:
        new_matrix(officer, m3, acceptable_levels=["low", "huge", "vast"])
    assert caught.value.message_dict == {
        "acceptable_levels": ["Not a level of this matrix: huge, vast."]
    }


def test_a_new_default_matrix_takes_the_default_from_the_old(officer, m3, m5):
    assert m5.is_default
    matrix = new_matrix(officer, m3, is_default=True)
    assert list(RiskMatrix.objects.filter(is_default=True)) == [matrix]


def test_updating_refuses_fields_that_cannot_be_set(officer, m3):
    for field in ("code", "version"):
        with pytest.raises(ValidationError) as caught:
            risk_matrix_update(actor=officer, matrix=m3, **{field: "x"})
        assert caught.value.message_dict == {field: ["This field cannot be set."]}


def test_an_unused_matrix_is_changed_in_place_with_one_record(officer, m3):
    saved = risk_matrix_update(actor=officer, matrix=m3, name_en="Renamed")
    assert saved.pk == m3.pk and saved.version == 1
    assert RiskMatrix.objects.get(pk=m3.pk).name_en == "Renamed"
    (record,) = records(saved, Action.UPDATE)
    assert record.after["name_en"] == "Renamed"


def test_an_unused_matrix_made_default_takes_the_default_from_the_old(officer, m3, m5):
    assert m5.is_default
    risk_matrix_update(actor=officer, matrix=m3, is_default=True)
    assert list(RiskMatrix.objects.filter(is_default=True)) == [m3]


def test_criteria_lose_the_levels_a_change_removes(officer, m3):
    criteria = m3.criteria
    assert "low" in criteria.acceptable_levels
    data = shape(m3)
    kept = [level for level in data["levels"] if level["code"] != "low"]
    grid = [[cell if cell != "low" else kept[0]["code"] for cell in row] for row in data["grid"]]
    before = list(criteria.acceptable_levels)
    risk_matrix_update(actor=officer, matrix=m3, levels=kept, grid=grid)
    criteria.refresh_from_db()
    assert criteria.acceptable_levels == [c for c in before if c != "low"]
    assert len(records(criteria, Action.UPDATE)) == 1


def test_criteria_without_a_removed_level_are_not_touched(officer, m3):
    risk_matrix_update(actor=officer, matrix=m3, name_en="Only the name")
    assert records(m3.criteria, Action.UPDATE) == []


def test_a_matrix_in_use_gets_a_version_that_keeps_its_criteria(officer, m3, system):
    risk_criteria_update(
        actor=officer, criteria=m3.criteria, statement_en="Low only", statement_ja="低のみ"
    )
    use(m3, officer, system)
    successor = risk_matrix_update(actor=officer, matrix=m3, name_en="Second")
    assert successor.pk != m3.pk
    assert (successor.version, successor.code, successor.is_current) == (2, m3.code, True)
    assert successor.owner_id == m3.owner_id and successor.name_en == "Second"
    criteria = successor.criteria
    assert criteria.acceptable_levels == m3.criteria.acceptable_levels
    assert (criteria.statement_en, criteria.statement_ja) == ("Low only", "低のみ")
    assert criteria.above_criteria_role == m3.criteria.above_criteria_role
    m3.refresh_from_db()
    assert not m3.is_current
    assert records(m3, Action.UPDATE)[-1].after["is_current"] is False
    assert len(records(successor, Action.CREATE)) == 1
    with pytest.raises(ValidationError) as caught:
        risk_matrix_update(actor=officer, matrix=m3, name_en="Third")
    assert caught.value.messages == ["Only the current version of a matrix can be changed."]


def test_the_new_version_of_the_default_stays_default_unless_told(officer, m5, m3, system):
    use(m5, officer, system)
    successor = risk_matrix_update(actor=officer, matrix=m5, name_en="Five")
    assert successor.is_default and not RiskMatrix.objects.get(pk=m5.pk).is_default
    use(successor, officer, system)
    third = risk_matrix_update(actor=officer, matrix=successor, is_default=False)
    assert not third.is_default
    use(m3, officer, system)
    promoted = risk_matrix_update(actor=officer, matrix=m3, is_default=True)
    assert list(RiskMatrix.objects.filter(is_default=True)) == [promoted]


def test_a_new_version_drops_criteria_levels_it_no_longer_has(officer, m3, system):
    use(m3, officer, system)
    data = shape(m3)
    kept = [level for level in data["levels"] if level["code"] != "low"]
    grid = [[cell if cell != "low" else kept[0]["code"] for cell in row] for row in data["grid"]]
    successor = risk_matrix_update(actor=officer, matrix=m3, levels=kept, grid=grid)
    assert successor.criteria.acceptable_levels == [
        c for c in m3.criteria.acceptable_levels if c != "low"
    ]


def test_criteria_updates(officer, m5):
    criteria = m5.criteria
    risk_criteria_update(actor=officer, criteria=criteria, statement_en="Appetite")
    criteria = RiskCriteria.objects.get(pk=criteria.pk)
    assert criteria.statement_en == "Appetite" and criteria.statement_ja != "Appetite"
    levels = list(criteria.acceptable_levels)
    risk_criteria_update(actor=officer, criteria=criteria, statement_ja="許容")
    criteria = RiskCriteria.objects.get(pk=criteria.pk)
    assert (criteria.statement_en, criteria.statement_ja) == ("Appetite", "許容")
    assert criteria.acceptable_levels == levels
    count = len(records(criteria))
    risk_criteria_update(actor=officer, criteria=criteria)
    assert len(records(criteria)) == count
    with pytest.raises(ValidationError) as caught:
        risk_criteria_update(actor=officer, criteria=criteria, acceptable_levels=["x", "low"])
    assert caught.value.message_dict == {"acceptable_levels": ["Not a level of this matrix: x."]}


def test_creating_checks_the_matrix_data_and_the_fields(officer, m3):
    grid = shape(m3)["grid"]
    grid[0] = grid[0][:-1]
    with pytest.raises(ValidationError) as caught:
        new_matrix(officer, m3, grid=grid)
    assert set(caught.value.message_dict) == {"grid"}
    with pytest.raises(ValidationError) as caught:
        new_matrix(officer, m3, code="Not a code!")
    assert set(caught.value.message_dict) == {"code"}
    assert not RiskMatrix.objects.filter(name_en="Extra").exists()


def test_the_criteria_of_a_new_matrix_are_stored(officer, m3):
    matrix = new_matrix(officer, m3, acceptable_levels=["medium", "low"])
    stored = RiskCriteria.objects.get(matrix_id=matrix.pk)
    assert stored.acceptable_levels == ["medium", "low"]


@pytest.mark.parametrize("in_use", [False, True])
def test_updating_checks_the_matrix_data_and_the_fields(officer, m3, system, in_use):
    if in_use:
        use(m3, officer, system)
    grid = shape(m3)["grid"]
    grid[0] = grid[0][:-1]
    with pytest.raises(ValidationError) as caught:
        risk_matrix_update(actor=officer, matrix=m3, grid=grid)
    assert set(caught.value.message_dict) == {"grid"}
    with pytest.raises(ValidationError) as caught:
        risk_matrix_update(actor=officer, matrix=m3, name_en="")
    assert set(caught.value.message_dict) == {"name_en"}
    assert RiskMatrix.objects.filter(code=m3.code).count() == 1


def test_an_update_that_changes_nothing_is_still_recorded(officer, m3):
    risk_matrix_update(actor=officer, matrix=m3, name_en=m3.name_en)
    assert len(records(m3, Action.UPDATE)) == 1


def test_a_matrix_in_use_made_default_takes_the_default_from_the_old(officer, m3, m5, system):
    assert m5.is_default
    use(m3, officer, system)
    successor = risk_matrix_update(actor=officer, matrix=m3, is_default=True)
    assert list(RiskMatrix.objects.filter(is_default=True)) == [successor]


def test_the_criteria_of_a_new_version_are_recorded(officer, m3, system):
    use(m3, officer, system)
    successor = risk_matrix_update(actor=officer, matrix=m3, name_en="Second")
    assert len(records(successor.criteria, Action.CREATE)) == 1
