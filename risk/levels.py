"""Risk levels: the one place where a level is derived from a matrix, and where a matrix's
data is checked to be a well-formed matrix."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from risk.models import RiskMatrix

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_STEPS = 10


def level_of(matrix: RiskMatrix, likelihood: int, impact: int) -> tuple[str, int]:
    """The level code and its rank (1 = lowest) of a cell; positions are 1-based."""
    rows, columns = matrix.size
    if not 1 <= likelihood <= rows or not 1 <= impact <= columns:
        raise ValidationError(_("The cell is outside the matrix."))
    code = matrix.grid[likelihood - 1][impact - 1]
    return code, rank_of(matrix, code)


def rank_of(matrix: RiskMatrix, code: str) -> int:
    for rank, level in enumerate(matrix.levels, start=1):
        if level["code"] == code:
            return rank
    raise ValidationError(_("Unknown level “%(code)s”.") % {"code": code})


def check_position(matrix: RiskMatrix, field: str, value: Any, axis: str) -> list[str]:
    """Errors for one likelihood or impact value (empty list when fine)."""
    rows, columns = matrix.size
    top = rows if axis == "likelihood" else columns
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        return [
            _("Choose a position from 1 to %(top)d on the scale of this matrix.") % {"top": top}
        ]
    return []


def _check_steps(name: str, steps: Any, errors: dict[str, list[str]]) -> None:
    if not isinstance(steps, list) or not 2 <= len(steps) <= MAX_STEPS:
        errors[name] = [_("Give from 2 to %(max)d steps.") % {"max": MAX_STEPS}]
        return
    for number, step in enumerate(steps, start=1):
        if (
            not isinstance(step, dict)
            or not str(step.get("label_en") or "").strip()
            or not str(step.get("label_ja") or "").strip()
        ):
            errors.setdefault(name, []).append(
                _("Step %(n)d needs a label in English and Japanese.") % {"n": number}
            )


def validate_matrix_data(
    *, likelihood_levels: Any, impact_levels: Any, levels: Any, grid: Any
) -> None:
    """Raise ``ValidationError`` (a field map naming every problem) unless the four parts
    make a matrix: two scales of 2–10 labelled steps, 2–10 levels with unique codes and
    labels, and a grid with exactly one known level per cell."""
    errors: dict[str, list[str]] = {}
    _check_steps("likelihood_levels", likelihood_levels, errors)
    _check_steps("impact_levels", impact_levels, errors)
    codes: list[str] = []
    if not isinstance(levels, list) or not 2 <= len(levels) <= MAX_STEPS:
        errors["levels"] = [_("Give from 2 to %(max)d levels.") % {"max": MAX_STEPS}]
    else:
        for number, level in enumerate(levels, start=1):
            code = str(level.get("code") or "") if isinstance(level, dict) else ""
            problems = []
            if not _CODE.match(code):
                problems.append(
                    _("Level %(n)d needs a code of lowercase letters, digits and underscores.")
                    % {"n": number}
                )
            elif code in codes:
                problems.append(_("Level code “%(code)s” is used twice.") % {"code": code})
            if (
                not isinstance(level, dict)
                or not level.get("label_en")
                or not level.get("label_ja")
            ):
                problems.append(
                    _("Level %(n)d needs a label in English and Japanese.") % {"n": number}
                )
            colour = level.get("colour", "") if isinstance(level, dict) else ""
            if colour and not _COLOUR.match(str(colour)):
                problems.append(_("Level %(n)d: write the colour as #rrggbb.") % {"n": number})
            codes.append(code)
            if problems:
                errors.setdefault("levels", []).extend(problems)
    if errors:  # the grid can only be checked against well-formed scales and levels
        raise ValidationError(errors)
    rows, columns = len(likelihood_levels), len(impact_levels)
    if (
        not isinstance(grid, list)
        or len(grid) != rows
        or any(not isinstance(row, list) or len(row) != columns for row in grid)
    ):
        errors["grid"] = [
            _("The grid needs %(rows)d rows (likelihood) of %(columns)d cells (impact).")
            % {"rows": rows, "columns": columns}
        ]
    else:
        for l_pos, row in enumerate(grid, start=1):
            for i_pos, cell in enumerate(row, start=1):
                if cell not in codes:
                    errors.setdefault("grid", []).append(
                        _("Cell likelihood %(l)d × impact %(i)d: “%(code)s” is not a level.")
                        % {"l": l_pos, "i": i_pos, "code": cell}
                    )
    if errors:
        raise ValidationError(errors)
