from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as rest_framework_filters
from django_filters.rest_framework import DjangoFilterBackend

from aims.choices import Action, ChangeSource
from aims.filters import ScopedFilterSet
from aims.models import ChangeRecord


class UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date and time, compared as UTC: PostgreSQL refuses offsets beyond ±15:59
    that ISO 8601 allows, and a time near the ends of the calendar may not exist in UTC."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class ChangeRecordFilter(ScopedFilterSet):
    """Filters of the change log: by object, actor, action, source and time."""

    model = django_filters.CharFilter(
        method="filter_model", label=_("Record type (app_label.model)")
    )
    object_id = django_filters.CharFilter()
    actor = django_filters.NumberFilter(field_name="actor_id")
    actor_username = django_filters.CharFilter()
    action = django_filters.ChoiceFilter(choices=Action.choices)
    source = django_filters.ChoiceFilter(choices=ChangeSource.choices)
    correlation_id = django_filters.CharFilter()
    since = UtcDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = UtcDateTimeFilter(field_name="timestamp", lookup_expr="lt")

    class Meta:
        model = ChangeRecord
        fields: list[str] = []

    def filter_model(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        app_label, _sep, model = value.lower().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)


class ScopedAPIFilterSet(ScopedFilterSet, rest_framework_filters.FilterSet):
    """What the backend builds a viewset's ``filterset_fields`` into."""


class ScopedFilterBackend(DjangoFilterBackend):
    """The API's filter backend: the filter sets it builds from a viewset's
    ``filterset_fields`` are ``ScopedFilterSet``s too (a viewset's own ``filterset_class``
    must be one: the architecture test checks)."""

    filterset_base = ScopedAPIFilterSet
