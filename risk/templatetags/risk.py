from __future__ import annotations

from django import template

from risk.models import RiskMatrix

register = template.Library()


@register.filter
def level_label(matrix: RiskMatrix, code: str) -> str:
    """``{{ risk.matrix|level_label:risk.residual_level }}``: the level's label in the current
    language."""
    return matrix.level_label(code)


@register.filter
def level_class(matrix: RiskMatrix, code: str) -> str:
    """The CSS class that colours a level of a matrix (see ``risk_levels_css``)."""
    return f"lv-{matrix.pk}-{code}"
