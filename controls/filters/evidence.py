"""Filters of the evidence list, shared by the page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.filters import PersonChoiceFilter, ScopedFilterSet
from aims.models import AISystem
from aims.widgets import FastSelect
from controls.choices import EvidenceReview
from controls.models import Control, Evidence
from controls.selectors.evidence import evidence_expired, evidence_expiring


class EvidenceFilter(ScopedFilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    expired = django_filters.BooleanFilter(method="filter_expired", label=_("Expired"))
    expiring = django_filters.BooleanFilter(
        method="filter_expiring", label=_("Expires within 30 days")
    )
    unreviewed = django_filters.BooleanFilter(
        method="filter_unreviewed", label=_("Current version not reviewed")
    )
    ai_system = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        queryset=AISystem.objects.only("id", "name", "version").order_by("name", "version"),
        label=_("AI system"),
        method="filter_ai_system",
    )
    control = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        queryset=Control.objects.only("id", "code", "name").order_by("code"),
        label=_("Control"),
        method="filter_control",
    )
    owner = PersonChoiceFilter(
        widget=FastSelect,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        label=_("Owner"),
    )

    class Meta:
        model = Evidence
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_expired(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        if value:
            return evidence_expired(queryset)
        return queryset.exclude(valid_until__lt=timezone.localdate())

    def filter_expiring(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        expiring = evidence_expiring(queryset)
        return expiring if value else queryset.exclude(pk__in=expiring.values("pk"))

    def filter_unreviewed(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        condition = Q(current_version__review_status=EvidenceReview.SUBMITTED)
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_ai_system(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(ai_systems=value)

    def filter_control(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(controls=value)
