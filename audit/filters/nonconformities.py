"""Filters of the nonconformity board and the corrective actions list, shared by the pages and
the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from aims.filters import PersonChoiceFilter, ScopedFilterSet
from aims.models import AISystem, Requirement
from aims.widgets import FastSelect, FastSelectMultiple
from audit.choices import ActionStatus, NonconformitySource, NonconformityStatus, Severity
from audit.models import CorrectiveAction, Nonconformity


def _people() -> QuerySet[Any]:
    return get_user_model().objects.filter(is_active=True).order_by("username")


class NonconformityFilter(ScopedFilterSet):
    status = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple,
        distinct=False,
        choices=NonconformityStatus.choices,
        label=_("Status"),
    )
    severity = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, distinct=False, choices=Severity.choices, label=_("Severity")
    )
    source = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple,
        distinct=False,
        choices=NonconformitySource.choices,
        label=_("Source"),
    )
    ai_system = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        queryset=AISystem.objects.only("id", "name", "version").order_by("name", "version"),
        label=_("AI system"),
        method="filter_ai_system",
    )
    owner = PersonChoiceFilter(widget=FastSelect, queryset=_people(), label=_("Owner"))
    requirement = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        queryset=Requirement.objects.filter(withdrawn=False).order_by("framework_id", "order"),
        label=_("Requirement"),
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Nonconformity
        fields: list[str] = []

    def filter_ai_system(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        through = Nonconformity.ai_systems.through
        return queryset.filter(
            pk__in=through.objects.filter(aisystem=value).values("nonconformity_id")
        )

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        from audit.selectors.nonconformities import nc_overdue_condition

        condition = nc_overdue_condition()
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_text(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(title__icontains=value)
            | Q(description__icontains=value)
        )


class CorrectiveActionFilter(ScopedFilterSet):
    status = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, distinct=False, choices=ActionStatus.choices, label=_("Status")
    )
    owner = PersonChoiceFilter(widget=FastSelect, queryset=_people(), label=_("Owner"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Assigned to me"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    nonconformity = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        queryset=Nonconformity.objects.order_by("-raised_on", "-id"),
        label=_("Nonconformity"),
    )

    class Meta:
        model = CorrectiveAction
        fields: list[str] = []

    def filter_mine(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        user = getattr(self.request, "user", None)
        pk = user.pk if user is not None and user.is_authenticated else None
        return queryset.filter(owner_id=pk) if value else queryset.exclude(owner_id=pk)

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        from audit.selectors.nonconformities import action_overdue_condition

        condition = action_overdue_condition()
        return queryset.filter(condition) if value else queryset.exclude(condition)
