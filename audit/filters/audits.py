"""Filters of the audits list and of an audit's checklist and findings, shared by the pages
and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from aims.filters import ScopedFilterSet
from aims.widgets import FastSelectMultiple
from audit.choices import AuditStatus, ChecklistResult, FindingKind
from audit.models import Audit, ChecklistRow, Finding


class AuditFilter(ScopedFilterSet):
    status = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, choices=AuditStatus.choices, label=_("Status")
    )
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = Audit
        fields = ["status", "programme"]


class ChecklistFilter(ScopedFilterSet):
    result = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, choices=ChecklistResult.choices, label=_("Result")
    )
    q = django_filters.CharFilter(method="filter_q", label=_("Requirement"))

    class Meta:
        model = ChecklistRow
        fields = ["audit", "result"]

    def filter_q(self, queryset, name, value):  # type: ignore[no-untyped-def]
        from django.db.models import Q

        return queryset.filter(
            Q(requirement__ref_id__icontains=value)
            | Q(requirement__name_en__icontains=value)
            | Q(requirement__name_ja__icontains=value)
        )


class AuditChecklistFilter(ChecklistFilter):
    """The checklist filter of one audit's page: the audit is the page's own."""

    class Meta:
        model = ChecklistRow
        fields = ["result"]


class FindingFilter(ScopedFilterSet):
    kind = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, choices=FindingKind.choices, label=_("Kind")
    )

    class Meta:
        model = Finding
        fields = ["audit", "kind", "requirement"]
