"""Risk levels' rules, one by one, on a matrix that is not square (3 likelihood steps × 4
impact steps) so that a swapped axis shows: which cell gives which level, the scale limits,
and every check of a matrix's data (steps, levels, codes, labels, colours, the grid)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from risk.levels import MAX_STEPS, check_position, level_of, rank_of, validate_matrix_data
from risk.models import RiskMatrix


def steps(count: int, name: str = "S") -> list[dict]:
    return [{"label_en": f"{name}{n}", "label_ja": f"{name}{n}ja"} for n in range(1, count + 1)]


LEVELS = [
    {"code": "low", "label_en": "Low", "label_ja": "低", "colour": "#00aa00"},
    {"code": "mid", "label_en": "Mid", "label_ja": "中"},
    {"code": "high", "label_en": "High", "label_ja": "高", "colour": "#FF0000"},
]
#: 3 rows (likelihood) × 4 columns (impact); every (row, column) pair reads differently.
GRID = [
    ["low", "low", "mid", "high"],
    ["low", "mid", "high", "high"],
    ["mid", "high", "high", "high"],
]


def data(**changes) -> dict:
    return {
        "likelihood_levels": steps(3, "L"),
        "impact_levels": steps(4, "I"),
        "levels": [dict(level) for level in LEVELS],
        "grid": [list(row) for row in GRID],
        **changes,
    }


@pytest.fixture
def matrix() -> RiskMatrix:
    return RiskMatrix(**data())


def errors_of(**changes) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        validate_matrix_data(**data(**changes))
    return caught.value.message_dict


def test_a_good_non_square_matrix_passes():
    assert validate_matrix_data(**data()) is None


@pytest.mark.parametrize(
    ("likelihood", "impact", "level"),
    [
        (1, 1, ("low", 1)),
        (1, 3, ("mid", 2)),
        (3, 1, ("mid", 2)),
        (1, 4, ("high", 3)),
        (2, 2, ("mid", 2)),
        (3, 4, ("high", 3)),
    ],
)
def test_the_level_is_read_at_row_likelihood_and_column_impact(matrix, likelihood, impact, level):
    assert level_of(matrix, likelihood, impact) == level


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 1), (1, 0), (4, 1), (1, 5), (4, 4)])
def test_cells_outside_the_matrix(matrix, likelihood, impact):
    with pytest.raises(ValidationError, match="outside the matrix"):
        level_of(matrix, likelihood, impact)


def test_rank_of_counts_from_one_and_names_an_unknown_level(matrix):
    assert [rank_of(matrix, c) for c in ("low", "mid", "high")] == [1, 2, 3]
    with pytest.raises(ValidationError) as caught:
        rank_of(matrix, "extreme")
    assert caught.value.messages == ["Unknown level “extreme”."]


@pytest.mark.parametrize(
    ("axis", "value", "top"),
    [
        ("likelihood", 0, 3),
        ("likelihood", 4, 3),
        ("impact", 5, 4),
        ("impact", 0, 4),
        ("impact", True, 4),
        ("likelihood", "2", 3),
        ("likelihood", 2.0, 3),
        ("impact", None, 4),
    ],
)
def test_positions_off_the_scale(matrix, axis, value, top):
    assert check_position(matrix, "field", value, axis) == [
        f"Choose a position from 1 to {top} on the scale of this matrix."
    ]


@pytest.mark.parametrize(
    ("axis", "value"), [("likelihood", 1), ("likelihood", 3), ("impact", 1), ("impact", 4)]
)
def test_positions_on_the_scale(matrix, axis, value):
    assert check_position(matrix, "field", value, axis) == []


@pytest.mark.parametrize("count", [2, MAX_STEPS])
def test_scales_of_two_to_ten_steps(count):
    grid = [["low"] * 4 for _ in range(count)]
    validate_matrix_data(**data(likelihood_levels=steps(count), grid=grid))


@pytest.mark.parametrize("scale", [steps(1), steps(MAX_STEPS + 1), "three", None])
def test_scales_of_other_sizes_are_refused(scale):
    assert errors_of(likelihood_levels=scale) == {"likelihood_levels": ["Give from 2 to 10 steps."]}
    assert errors_of(impact_levels=scale) == {"impact_levels": ["Give from 2 to 10 steps."]}


@pytest.mark.parametrize(
    "step", [{"label_en": "A"}, {"label_ja": "A"}, {"label_en": " ", "label_ja": "A"}, "A"]
)
def test_every_step_needs_both_labels(step):
    scale = steps(3)
    scale[1] = step
    assert errors_of(likelihood_levels=scale) == {
        "likelihood_levels": ["Step 2 needs a label in English and Japanese."]
    }


def test_ten_levels_at_most_and_two_at_least():
    many = [{"code": f"l{n}", "label_en": "A", "label_ja": "B"} for n in range(MAX_STEPS)]
    grid = [["l0"] * 4 for _ in range(3)]
    validate_matrix_data(**data(levels=many, grid=grid))
    too_many = [*many, {"code": "l99", "label_en": "A", "label_ja": "B"}]
    assert errors_of(levels=too_many, grid=grid) == {"levels": ["Give from 2 to 10 levels."]}
    assert errors_of(levels=many[:1], grid=grid) == {"levels": ["Give from 2 to 10 levels."]}
    assert errors_of(levels="low") == {"levels": ["Give from 2 to 10 levels."]}
    two = many[:2]
    validate_matrix_data(**data(levels=two, grid=grid))


@pytest.mark.parametrize("code", ["Low", "1low", "", "lo-w", "a" * 31, None])
def test_level_codes_are_lowercase_words(code):
    levels = [dict(level) for level in LEVELS]
    levels[1]["code"] = code
    errors = errors_of(levels=levels)
    assert errors["levels"] == [
        "Level 2 needs a code of lowercase letters, digits and underscores."
    ]


def test_a_thirty_character_code_is_fine():
    levels = [dict(level) for level in LEVELS]
    levels[1]["code"] = "m" + "x" * 29
    grid = [["low"] * 4 for _ in range(3)]
    validate_matrix_data(**data(levels=levels, grid=grid))


def test_level_codes_are_unique():
    levels = [dict(level) for level in LEVELS]
    levels[2]["code"] = "low"
    assert errors_of(levels=levels) == {"levels": ["Level code “low” is used twice."]}


@pytest.mark.parametrize("missing", ["label_en", "label_ja"])
def test_every_level_needs_both_labels(missing):
    levels = [dict(level) for level in LEVELS]
    levels[2][missing] = ""
    assert errors_of(levels=levels) == {
        "levels": ["Level 3 needs a label in English and Japanese."]
    }


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "00aa00", "#gg0000"])
def test_colours_are_written_as_rrggbb(colour):
    levels = [dict(level) for level in LEVELS]
    levels[0]["colour"] = colour
    assert errors_of(levels=levels) == {"levels": ["Level 1: write the colour as #rrggbb."]}


def test_a_level_that_is_not_a_mapping_names_every_problem():
    levels = [dict(level) for level in LEVELS]
    levels[1] = "mid"
    assert errors_of(levels=levels) == {
        "levels": [
            "Level 2 needs a code of lowercase letters, digits and underscores.",
            "Level 2 needs a label in English and Japanese.",
        ]
    }


def test_problems_of_scales_and_levels_are_reported_together_before_the_grid():
    levels = [dict(level) for level in LEVELS]
    levels[0]["colour"] = "red"
    errors = errors_of(likelihood_levels=steps(1), levels=levels, grid="nonsense")
    assert set(errors) == {"likelihood_levels", "levels"}


@pytest.mark.parametrize(
    "grid",
    [
        GRID[:2],  # a row short
        [*GRID, GRID[0]],  # a row too many
        [GRID[0], GRID[1][:3], GRID[2]],  # a row of the wrong length
        [GRID[0], [*GRID[1], "low"], GRID[2]],
        [GRID[0], "low mid high high", GRID[2]],
        [list(r) for r in zip(*GRID, strict=True)],  # transposed: 4 rows of 3
        "nonsense",
    ],
)
def test_the_grid_has_a_row_per_likelihood_step_of_a_cell_per_impact_step(grid):
    assert errors_of(grid=grid) == {
        "grid": ["The grid needs 3 rows (likelihood) of 4 cells (impact)."]
    }


def test_every_cell_is_a_level_and_named_by_its_position():
    grid = [list(row) for row in GRID]
    grid[1][2] = "severe"
    grid[2][0] = None
    assert errors_of(grid=grid) == {
        "grid": [
            "Cell likelihood 2 × impact 3: “severe” is not a level.",
            "Cell likelihood 3 × impact 1: “None” is not a level.",
        ]
    }
