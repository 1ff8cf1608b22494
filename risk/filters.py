"""Filters of the risk register, shared by the register page, the API, the heat maps and the
register report (so a report holds exactly the rows the page shows)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims import urns
from aims.filters import (
    REVIEW_SOON_DAYS,
    PersonChoiceFilter,
    ScopedFilterSet,
    SortedFilterMixin,
    filter_review_overdue,
)
from aims.models import AISystem, Requirement
from aims.widgets import FastSelect, FastSelectMultiple
from risk.choices import RiskStatus, TreatmentOption
from risk.levels import MAX_STEPS
from risk.models import Risk, RiskMatrix


def level_choices() -> list[tuple[str, str]]:
    """Level codes of the current matrices, labelled in the current language."""
    from risk.models import RiskMatrix

    seen: dict[str, str] = {}
    for matrix in RiskMatrix.objects.filter(is_current=True).order_by("-is_default", "code"):
        for level in matrix.levels:
            seen.setdefault(level["code"], matrix.level_label(level["code"]))
    return list(seen.items())


class PositionFilter(django_filters.NumberFilter):
    """A 1-based position on a matrix scale: a whole number within the largest scale (a
    value outside is refused, never sent to the database)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_STEPS)
        super().__init__(*args, **kwargs)


class RiskFilter(ScopedFilterSet):
    ai_system = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        field_name="ai_systems",
        queryset=AISystem.objects.only("id", "name", "version").order_by("name", "version"),
        label=_("AI system"),
        method="filter_ai_system",
    )
    owner = PersonChoiceFilter(
        widget=FastSelect,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        label=_("Owner"),
    )
    inherent_level = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, distinct=False, choices=level_choices, label=_("Inherent level")
    )
    residual_level = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, distinct=False, choices=level_choices, label=_("Residual level")
    )
    status = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, distinct=False, choices=RiskStatus.choices, label=_("Status")
    )
    treatment_option = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple,
        distinct=False,
        choices=TreatmentOption.choices,
        label=_("Treatment option"),
    )
    category = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        queryset=Requirement.objects.filter(
            framework__urn=urns.AI_RISK_CATEGORIES, withdrawn=False
        ).order_by("order"),
        label=_("Category"),
        method="filter_category",
    )
    # One cell of a heat map: the matrix version and the positions on its scales (the heat
    # maps link each cell to the register filtered by these).
    matrix = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        queryset=RiskMatrix.objects.only("id", "code", "version", "name_en", "name_ja").order_by(
            "code", "-version"
        ),
        label=_("Risk matrix"),
    )
    inherent_likelihood = PositionFilter(label=_("Inherent likelihood"))
    inherent_impact = PositionFilter(label=_("Inherent impact"))
    residual_likelihood = PositionFilter(label=_("Residual likelihood"))
    residual_impact = PositionFilter(label=_("Residual impact"))
    review_due = django_filters.BooleanFilter(
        method="filter_review_due", label=_("Review due within 30 days or overdue")
    )
    # The dashboard's and clause conformance's figures link here with these (issue 11).
    review_overdue = django_filters.BooleanFilter(
        method=filter_review_overdue, label=_("Review overdue")
    )
    above_criteria = django_filters.BooleanFilter(
        method="filter_above_criteria", label=_("Residual level above the risk criteria")
    )
    acceptance_expiring = django_filters.BooleanFilter(
        method="filter_acceptance_expiring", label=_("Acceptance expires within 30 days")
    )

    class Meta:
        model = Risk
        fields: list[str] = []

    def filter_ai_system(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        through = Risk.ai_systems.through
        return queryset.filter(pk__in=through.objects.filter(aisystem=value).values("risk_id"))

    def filter_category(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        through = Risk.categories.through
        return queryset.filter(pk__in=through.objects.filter(requirement=value).values("risk_id"))

    def filter_review_due(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        due = Q(next_review_on__lte=timezone.localdate() + timedelta(days=REVIEW_SOON_DAYS))
        return queryset.filter(due) if value else queryset.exclude(due)

    def filter_above_criteria(self, queryset: QuerySet[Any], name: str, value: bool) -> Any:
        from risk.selectors import above_criteria

        condition = above_criteria()
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_acceptance_expiring(self, queryset: QuerySet[Any], name: str, value: bool) -> Any:
        from risk.selectors import acceptance_expiring

        condition = acceptance_expiring()
        return queryset.filter(condition) if value else queryset.exclude(condition)


RISK_SORTS = {
    "residual": ("-residual_rank", "-inherent_rank", "id"),
    "inherent": ("-inherent_rank", "-residual_rank", "id"),
    "title": ("title", "id"),
    "-updated": ("-updated_at", "-id"),
    "review": ("next_review_on", "id"),
    "code": ("id",),
}


class RiskPageFilter(SortedFilterMixin, RiskFilter):
    """The register page's filters plus free-text search and sort; register reports take the
    same parameters."""

    SORTS, DEFAULT_SORT = RISK_SORTS, "residual"

    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label=_("Sort"),
        empty_label=None,
        choices=[
            ("residual", _("Residual level")),
            ("inherent", _("Inherent level")),
            ("title", _("Title")),
            ("-updated", _("Recently changed")),
            ("review", _("Next review")),
            ("code", _("Number")),
        ],
    )

    def filter_text(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(title__icontains=value) | Q(description__icontains=value)
        number = value.upper().removeprefix("R-").lstrip("0")
        if number.isdigit():
            condition |= Q(pk=int(number))
        return queryset.filter(condition)
