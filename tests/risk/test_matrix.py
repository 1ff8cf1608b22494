"""Risk matrices: the level of every cell of the shipped matrices, well-formedness, and that a
matrix in use is never changed under its risks."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError

from aims.models import ChangeRecord
from risk.levels import level_of, validate_matrix_data
from risk.models import RiskMatrix
from risk.services.matrices import risk_criteria_update, risk_matrix_create, risk_matrix_update
from risk.services.register import risk_create

# Written out independently of risk/defaults.py: row = likelihood 1..n, column = impact 1..n.
EXPECTED_3X3 = [
    ["low", "low", "medium"],
    ["low", "medium", "high"],
    ["medium", "high", "high"],
]
VL, L, M, H, VH = "very_low", "low", "medium", "high", "very_high"
EXPECTED_5X5 = [
    [VL, VL, L, L, M],
    [VL, L, M, M, H],
    [L, M, M, H, VH],
    [L, M, H, VH, VH],
    [M, H, VH, VH, VH],
]


@pytest.mark.parametrize(("code", "expected"), [("3x3", EXPECTED_3X3), ("5x5", EXPECTED_5X5)])
def test_every_cell_of_the_shipped_matrices(code, expected):
    matrix = RiskMatrix.objects.get(code=code, is_current=True)
    assert matrix.size == (len(expected), len(expected[0]))
    ranks = {level["code"]: n for n, level in enumerate(matrix.levels, start=1)}
    for likelihood, row in enumerate(expected, start=1):
        for impact, level in enumerate(row, start=1):
            assert level_of(matrix, likelihood, impact) == (level, ranks[level]), (
                f"{code} L{likelihood} I{impact}"
            )


def test_shipped_matrices_are_bilingual_and_have_criteria(m3, m5):
    for matrix in (m3, m5):
        for step in matrix.likelihood_levels + matrix.impact_levels:
            assert step["label_en"] and step["label_ja"] and step["description_ja"]
        assert matrix.criteria.above_criteria_role == "top_management"
    assert m5.is_default and not m3.is_default
    assert m5.criteria.acceptable_levels == ["very_low", "low", "medium"]


@pytest.mark.parametrize("position", [(0, 1), (1, 0), (6, 1), (1, 6)])
def test_a_cell_outside_the_matrix_is_refused(m5, position):
    with pytest.raises(ValidationError):
        level_of(m5, *position)


def shape(m5, **changes):
    data = {
        name: copy.deepcopy(getattr(m5, name))
        for name in ("likelihood_levels", "impact_levels", "levels", "grid")
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"grid": [["low"] * 5] * 4}, "grid"),
        ({"grid": [["low"] * 5] * 4 + [["low", "low", "low", "low", "extreme"]]}, "grid"),
        ({"likelihood_levels": [{"label_en": "Only", "label_ja": "一つ"}]}, "likelihood_levels"),
        (
            {
                "impact_levels": [
                    {"label_en": "A", "label_ja": ""},
                    {"label_en": "B", "label_ja": "B"},
                ]
            },
            "impact_levels",
        ),
        (
            {
                "levels": [
                    {"code": "low", "label_en": "L", "label_ja": "低"},
                    {"code": "low", "label_en": "L2", "label_ja": "低2"},
                ]
            },
            "levels",
        ),
        (
            {
                "levels": [
                    {"code": "Bad Code", "label_en": "x", "label_ja": "x"},
                    {"code": "ok", "label_en": "y", "label_ja": "y"},
                ]
            },
            "levels",
        ),
    ],
)
def test_malformed_matrix_data_names_the_part(m5, change, field):
    with pytest.raises(ValidationError) as error:
        validate_matrix_data(**shape(m5, **change))
    assert field in error.value.message_dict


def test_an_unused_matrix_changes_in_place(officer, m3):
    steps = copy.deepcopy(m3.impact_levels)
    steps[0]["label_en"] = "Slight"
    saved = risk_matrix_update(actor=officer, matrix=m3, impact_levels=steps)
    assert saved.pk == m3.pk and saved.version == 1
    assert RiskMatrix.objects.get(pk=m3.pk).impact_levels[0]["label_en"] == "Slight"


def test_a_matrix_in_use_gets_a_new_version_and_its_risks_keep_theirs(officer, m5, system):
    risk = risk_create(
        actor=officer,
        title="Bias",
        ai_systems=[system],
        matrix=m5,
        inherent_likelihood=2,
        inherent_impact=5,
    )
    assert risk.inherent_level == "high"
    grid = copy.deepcopy(m5.grid)
    grid[1][4] = "very_high"
    successor = risk_matrix_update(actor=officer, matrix=m5, grid=grid)
    assert successor.pk != m5.pk and successor.version == 2 and successor.code == "5x5"
    assert successor.is_current and successor.is_default
    m5.refresh_from_db()
    assert not m5.is_current and not m5.is_default and m5.grid[1][4] == "high"
    risk.refresh_from_db()
    assert risk.matrix_id == m5.pk and risk.inherent_level == "high"
    assert successor.criteria.acceptable_levels == m5.criteria.acceptable_levels
    with pytest.raises(ValidationError):
        risk_matrix_update(actor=officer, matrix=m5, grid=grid)  # superseded: read-only
    assert ChangeRecord.objects.filter(object_repr__startswith="5 × 5").exists()


def test_a_new_matrix_and_its_criteria(officer, m3):
    data = shape(m3)
    matrix = risk_matrix_create(
        actor=officer,
        code="3x3-products",
        name_en="Products",
        name_ja="製品",
        acceptable_levels=["low"],
        **data,
    )
    assert matrix.version == 1 and matrix.criteria.acceptable_levels == ["low"]
    with pytest.raises(ValidationError) as error:
        risk_matrix_create(
            actor=officer, code="3x3-products", name_en="Again", name_ja="再", **data
        )
    assert "code" in error.value.message_dict
    with pytest.raises(ValidationError):
        risk_matrix_create(
            actor=officer,
            code="x",
            name_en="X",
            name_ja="X",
            acceptable_levels=["catastrophic"],
            **data,
        )
    assert not RiskMatrix.objects.filter(code="x").exists()


def test_criteria_keep_the_order_of_levels_and_refuse_unknown_ones(officer, m5):
    criteria = risk_criteria_update(
        actor=officer, criteria=m5.criteria, acceptable_levels=["low", "very_low"]
    )
    assert criteria.acceptable_levels == ["very_low", "low"]
    with pytest.raises(ValidationError):
        risk_criteria_update(actor=officer, criteria=m5.criteria, acceptable_levels=["huge"])
