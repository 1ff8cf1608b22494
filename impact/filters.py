"""Filters of the impact assessment lists (pages, API, exports)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.choices import ApprovalStatus
from aims.filters import REVIEW_SOON_DAYS, ScopedFilterSet, filter_review_overdue
from aims.models import AISystem
from aims.widgets import FastSelect, FastSelectMultiple
from impact.models import ImpactAssessment
from risk.filters import level_choices


class ImpactAssessmentFilter(ScopedFilterSet):
    ai_system = django_filters.ModelChoiceFilter(
        queryset=AISystem.objects.only("id", "name", "version").order_by("name", "version"),
        label=_("AI system"),
        widget=FastSelect,
    )
    status = django_filters.MultipleChoiceFilter(
        distinct=False,
        choices=ApprovalStatus.choices,
        label=_("Status"),
        widget=FastSelectMultiple,
    )
    level = django_filters.MultipleChoiceFilter(
        distinct=False, choices=level_choices, label=_("Level"), widget=FastSelectMultiple
    )
    reassessment_due = django_filters.BooleanFilter(label=_("Reassessment due"))
    review_due = django_filters.BooleanFilter(
        method="filter_review_due", label=_("Review due within 30 days or overdue")
    )
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    # The dashboard's figures link here with these (issue 11).
    review_overdue = django_filters.BooleanFilter(
        method=filter_review_overdue, label=_("Review overdue")
    )
    to_review = django_filters.BooleanFilter(
        method="filter_to_review", label=_("Awaiting my review")
    )

    class Meta:
        model = ImpactAssessment
        fields: list[str] = []

    def filter_review_due(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        due = Q(next_review_on__lte=timezone.localdate() + timedelta(days=REVIEW_SOON_DAYS))
        return queryset.filter(due) if value else queryset.exclude(due)

    def filter_to_review(self, queryset: QuerySet[Any], name: str, value: bool) -> Any:
        from aims.services.approval import reviewable_by

        mine = reviewable_by(ImpactAssessment.objects.all(), getattr(self.request, "user", None))
        return queryset.filter(pk__in=mine) if value else queryset.exclude(pk__in=mine)

    def filter_text(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(ai_system__name__icontains=value)
            | Q(intended_use__icontains=value)
            | Q(potential_impacts__icontains=value)
        )
