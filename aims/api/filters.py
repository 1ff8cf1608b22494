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
    must be one: the architecture test checks).

    A request that names none of the filters is answered without building the filter set:
    every filter leaves the rows as they are when its parameter is absent (a test holds this
    for every endpoint), and building one (its filters copied, its form and the choices of
    the user's rows) costs more than a page's rows. The class a viewset's ``filterset_fields``
    make is made once per viewset."""

    filterset_base = ScopedAPIFilterSet

    def get_filterset_class(self, view: Any, queryset: Any = None) -> Any:
        if getattr(view, "filterset_class", None) or queryset is None:
            return super().get_filterset_class(view, queryset)
        fields = getattr(view, "filterset_fields", None)
        if not fields:
            return None
        key = (type(view), queryset.model, repr(fields))
        made = _MADE_FILTER_SETS.get(key)
        if made is None:
            made = _MADE_FILTER_SETS[key] = super().get_filterset_class(view, queryset)
        return made

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not names_a_filter(
            request.query_params, filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


#: The filter set class made for each viewset from its ``filterset_fields``.
_MADE_FILTER_SETS: dict[tuple[Any, ...], Any] = {}


def names_a_filter(params: Any, filters: Any) -> bool:
    """Whether a query string may set one of ``filters``: a parameter named as a filter, or
    starting with its name (a range's ``…_min``, ``…_after``, a widget's ``…_0``). A parameter
    that only looks like one builds the filter set, which then ignores it."""
    return any(key.startswith(name) for key in params for name in filters)
