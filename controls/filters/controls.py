"""Filters of the controls list, shared by the page, the API and the control register report
(so a report holds exactly the rows the page shows)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from aims.filters import (
    PersonChoiceFilter,
    ScopedFilterSet,
    SortedFilterMixin,
    filter_review_overdue,
)
from aims.models import AISystem, Framework, Requirement
from aims.widgets import FastSelect, FastSelectMultiple
from controls.choices import ControlStatus, ControlType, TestResult
from controls.models import Control, ControlRequirement


class FrameworkChoiceField(forms.ModelChoiceField):
    """Frameworks by their name in the reader's language (their ``str`` is the English
    reference)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class FrameworkFilter(django_filters.ModelChoiceFilter):
    field_class = FrameworkChoiceField


class ControlFilter(ScopedFilterSet):
    status = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, distinct=False, choices=ControlStatus.choices, label=_("Status")
    )
    control_type = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, distinct=False, choices=ControlType.choices, label=_("Type")
    )
    ai_system = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        queryset=AISystem.objects.only("id", "name", "version").order_by("name", "version"),
        label=_("AI system"),
        method="filter_ai_system",
    )
    organisation_wide = django_filters.BooleanFilter(
        method="filter_organisation_wide", label=_("Organisation-wide")
    )
    owner = PersonChoiceFilter(
        widget=FastSelect,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        label=_("Owner"),
    )
    framework = FrameworkFilter(
        queryset=Framework.objects.order_by("category", "ref_id"),
        label=_("Framework"),
        method="filter_framework",
    )
    requirement = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        queryset=Requirement.objects.filter(withdrawn=False).order_by("framework_id", "order"),
        label=_("Requirement satisfied"),
        method="filter_requirement",
    )
    last_test_result = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple,
        distinct=False,
        choices=TestResult.choices,
        label=_("Last test result"),
    )
    test_overdue = django_filters.BooleanFilter(
        method="filter_test_overdue", label=_("Test overdue")
    )
    review_overdue = django_filters.BooleanFilter(
        method=filter_review_overdue, label=_("Review overdue")
    )

    class Meta:
        model = Control
        fields: list[str] = []

    def filter_ai_system(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        through = Control.ai_systems.through
        return queryset.filter(pk__in=through.objects.filter(aisystem=value).values("control_id"))

    def filter_organisation_wide(
        self, queryset: QuerySet[Any], name: str, value: bool
    ) -> QuerySet[Any]:
        linked = Control.ai_systems.through.objects.values("control_id")
        return queryset.exclude(pk__in=linked) if value else queryset.filter(pk__in=linked)

    def filter_framework(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        links = ControlRequirement.objects.filter(requirement__framework=value)
        return queryset.filter(pk__in=links.values("control_id"))

    def filter_requirement(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        links = ControlRequirement.objects.filter(requirement=value)
        return queryset.filter(pk__in=links.values("control_id"))

    def filter_test_overdue(self, queryset: QuerySet[Any], name: str, value: bool) -> Any:
        from controls.selectors.controls import overdue_condition

        condition = overdue_condition()
        return queryset.filter(condition) if value else queryset.exclude(condition)


CONTROL_SORTS = {
    "code": ("code",),
    "name": ("name", "code"),
    "-updated": ("-updated_at", "code"),
    "tested": ("last_tested_on", "code"),
    "review": ("next_review_on", "code"),
}


class ControlPageFilter(SortedFilterMixin, ControlFilter):
    """The list page's filters plus free-text search and sort; the control register report
    takes the same parameters."""

    SORTS, DEFAULT_SORT = CONTROL_SORTS, "code"

    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label=_("Sort"),
        empty_label=None,
        choices=[
            ("code", _("Code")),
            ("name", _("Name")),
            ("-updated", _("Recently changed")),
            ("tested", _("Last tested")),
            ("review", _("Next review")),
        ],
    )

    def filter_text(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(description__icontains=value)
        )
