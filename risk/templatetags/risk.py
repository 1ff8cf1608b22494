from __future__ import annotations

from datetime import date

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


@register.filter
def review_overdue(next_review_on: date | None, today: date) -> bool:
    """``{{ risk.next_review_on|review_overdue:today }}``: the review date has passed."""
    return next_review_on is not None and next_review_on < today
