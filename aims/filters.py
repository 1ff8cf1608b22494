"""Filters of the core app's lists, shared by pages, the API and exports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields
from django_filters.conf import settings as filter_settings

from aims.choices import (
    AIType,
    ApprovalStatus,
    ConformanceStatus,
    DocumentKind,
    EUAIActTier,
    LifecycleStage,
    OrganizationRole,
)
from aims.models import AISystem, ClauseAssessment, Document, DocumentVersion
from aims.people import PersonChoiceField
from aims.scope import VIEW, restrict
from aims.widgets import (
    AnyYesNoSelect,
    CheckboxGroup,
    FastSelect,
    FastSelectMultiple,
    LabelledChoiceIterator,
    LazySelect,
)

REVIEW_SOON_DAYS = 30
MODEL_CHOICE_FILTERS = (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)
_NO_USER = object()
#: Every filter set by its dotted name: the long choice lists of a filter bar are sent on
#: demand by ``aims.views.choices``, which finds the filter set (and its user's choices) here.
FILTER_SETS: dict[str, type[Any]] = {}
DEFAULT_EMPTY_LABEL = filter_settings.EMPTY_CHOICE_LABEL  # "---------"


class ScopedFilterSet(django_filters.FilterSet):
    """A filter set whose choices of governed rows (an AI system, a risk, an assessment…) are
    the rows the user may see: the id of a row hidden from them is refused exactly as an id
    that does not exist ("Select a valid choice"), never answered with an empty list that
    tells them it is there.

    The user is the request's (the API's filter backend and the list pages pass it) or
    ``user``. A filter set built with neither validates against every row: only for filters
    already checked for their user (a report job's stored parameters)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        FILTER_SETS[f"{cls.__module__}.{cls.__qualname__}"] = cls

    def __init__(self, *args: Any, user: Any = _NO_USER, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _page_widgets(self.filters.values())
        _lazy_widgets(type(self), self.filters)
        if user is _NO_USER:
            if self.request is None:
                return
            user = getattr(self.request, "user", None)
        for model_filter in self.filters.values():
            if not isinstance(model_filter, MODEL_CHOICE_FILTERS):
                continue
            queryset = model_filter.get_queryset(self.request)
            if queryset is not None and getattr(queryset.model, "SCOPE", None) is not None:
                model_filter.queryset = restrict(queryset, user, VIEW)


def filter_review_overdue(queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
    """``review_overdue``: the next review date has passed (the dashboard's "overdue
    reviews" link here, so the list shows exactly the rows the figure counts)."""
    overdue = Q(next_review_on__lt=timezone.localdate())
    return queryset.filter(overdue) if value else queryset.exclude(overdue)


def _page_widgets(filters: Any) -> None:
    """The widgets every filter bar shares: a multiple choice is a group of checkboxes (no
    Ctrl-click list box), a choice's empty option and a yes/no filter's null option read "Any".
    Filters that name another widget or empty label (the sort, the API's yes/no) keep it.
    A form field built before (the OpenAPI generator builds the class's fields, and each
    instance copies them) is dropped, so it is built again with these widgets."""
    for model_filter in filters:
        model_filter.__dict__.pop("_field", None)
        extra = model_filter.extra
        if type(model_filter) is django_filters.MultipleChoiceFilter and (
            isinstance(extra.get("widget"), type)
            and issubclass(extra["widget"], FastSelectMultiple)
            or "widget" not in extra
        ):
            extra["widget"] = CheckboxGroup(collapsible=True)
        elif isinstance(model_filter, django_filters.BooleanFilter) and "widget" not in extra:
            extra["widget"] = AnyYesNoSelect
        elif isinstance(
            model_filter, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter
        ):
            if extra.get("empty_label", DEFAULT_EMPTY_LABEL) == DEFAULT_EMPTY_LABEL:
                extra["empty_label"] = _("Any")
            if extra.get("widget") is FastSelect:  # a long list (systems, people): searchable
                extra["widget"] = FastSelect(attrs={"data-search-label": _("Search the choices")})
                if model_filter.field_class is filter_fields.ModelChoiceField:
                    model_filter.field_class = LabelledChoiceField


def _lazy_widgets(filterset: type[Any], filters: dict[str, Any]) -> None:
    """A searchable choice of rows with a label (``LABEL_FIELDS``: AI systems, controls) is
    sent on demand once it is long (``LazySelect``). Its URL is made when the widget is
    drawn: a filter set built to filter rows only (a report job's, in a worker that has not
    resolved a URL yet) does not load the URL configuration for it."""
    key = f"{filterset.__module__}.{filterset.__qualname__}"
    for name, model_filter in filters.items():
        widget = model_filter.extra.get("widget")
        if type(widget) is FastSelect and model_filter.field_class is LabelledChoiceField:
            url = _choices_url(key, name)
            model_filter.extra["widget"] = LazySelect(url, attrs=widget.attrs)


def _filter_choices_url(key: str, name: str) -> str:
    return f"{reverse('filter_choices')}?{urlencode({'list': key, 'field': name})}"


_choices_url = lazy(_filter_choices_url, str)


class _LabelledFilterIterator(filter_fields.ModelChoiceIterator, LabelledChoiceIterator):
    """django-filter's choices (its "null" choice) over ``LabelledChoiceIterator``'s."""


class LabelledChoiceField(filter_fields.ModelChoiceField):
    """A filter's choice of a model whose label is a few of its fields: the long lists of
    the filter bars (AI systems, controls) read as values, not model instances."""

    iterator = _LabelledFilterIterator


class PersonChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter by a user (an owner), its choices labelled by name."""

    field_class = PersonChoiceField


class AISystemFilter(ScopedFilterSet):
    """Filters of the inventory (the API list takes these; ``search``/``ordering`` are DRF's)."""

    business_unit = django_filters.NumberFilter(
        field_name="business_unit_id", label=_("Business unit")
    )
    owner = PersonChoiceFilter(
        widget=FastSelect,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        label=_("Owner"),
    )
    lifecycle_stage = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple,
        distinct=False,
        choices=LifecycleStage.choices,
        label=_("Life cycle stage"),
    )
    eu_ai_act_tier = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple,
        distinct=False,
        choices=EUAIActTier.choices,
        label=_("EU AI Act tier"),
    )
    ai_type = django_filters.ChoiceFilter(choices=AIType.choices, label=_("AI type"))
    organization_role = django_filters.ChoiceFilter(
        choices=OrganizationRole.choices, method="filter_role", label=_("The organisation's role")
    )
    review_due = django_filters.BooleanFilter(
        method="filter_review_due", label=_("Review due within 30 days or overdue")
    )
    retired = django_filters.BooleanFilter(
        field_name="retired_at", lookup_expr="isnull", exclude=True, label=_("Retired")
    )
    review_overdue = django_filters.BooleanFilter(
        method=filter_review_overdue, label=_("Review overdue")
    )

    class Meta:
        model = AISystem
        fields: list[str] = []

    def filter_role(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(organization_roles__contains=[value])

    def filter_review_due(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        due = Q(next_review_on__lte=timezone.localdate() + timedelta(days=REVIEW_SOON_DAYS))
        return queryset.filter(due) if value else queryset.exclude(due)


class DocumentFilter(ScopedFilterSet):
    """Filters of the documents list (the dashboard and clause conformance link here)."""

    kind = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, distinct=False, choices=DocumentKind.choices, label=_("Kind")
    )
    approved = django_filters.BooleanFilter(
        method="filter_approved", label=_("Has an approved version")
    )
    to_review = django_filters.BooleanFilter(
        method="filter_to_review", label=_("Awaiting my review")
    )
    review_overdue = django_filters.BooleanFilter(
        method=filter_review_overdue, label=_("Review overdue")
    )

    class Meta:
        model = Document
        fields: list[str] = []

    def filter_approved(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        approved = Exists(
            DocumentVersion.objects.filter(document=OuterRef("pk"), status=ApprovalStatus.APPROVED)
        )
        return queryset.filter(approved) if value else queryset.exclude(approved)

    def filter_to_review(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        from aims.services.approval import reviewable_by

        user = getattr(self.request, "user", None)
        versions = reviewable_by(DocumentVersion.objects.filter(document=OuterRef("pk")), user)
        return queryset.filter(Exists(versions)) if value else queryset.exclude(Exists(versions))


class ClauseAssessmentFilter(ScopedFilterSet):
    """Filters of clause conformance (page and API): the dashboard's figures per clause and
    status link to the page with these."""

    status = django_filters.MultipleChoiceFilter(
        choices=ConformanceStatus.choices, label=_("Status")
    )
    clause = django_filters.CharFilter(method="filter_clause", label=_("Clause (e.g. 6 or 6.1)"))
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("Owner"))

    class Meta:
        model = ClauseAssessment
        fields: list[str] = []

    def filter_clause(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(
            Q(requirement__ref_id=value) | Q(requirement__ref_id__startswith=f"{value}.")
        )


class SortedFilterMixin:
    """A page filter's ``sort`` choice: ``SORTS`` maps each choice to its ordering and
    ``DEFAULT_SORT`` applies when none is chosen (or the form is not bound)."""

    SORTS: dict[str, tuple[str, ...]]
    DEFAULT_SORT: str

    def filter_sort(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.order_by(*self.SORTS.get(value, self.SORTS[self.DEFAULT_SORT]))

    @property
    def qs(self) -> QuerySet[Any]:
        rows = super().qs  # type: ignore[misc]
        if not self.is_bound or not self.form.cleaned_data.get("sort"):  # type: ignore[attr-defined]
            rows = rows.order_by(*self.SORTS[self.DEFAULT_SORT])
        return rows


AI_SYSTEM_SORTS = {
    "name": ("name", "version"),
    "-updated": ("-updated_at",),
    "review": ("next_review_on", "name"),
    "stage": ("lifecycle_stage", "name"),
    "tier": ("eu_ai_act_tier", "name"),
}


class AISystemPageFilter(SortedFilterMixin, AISystemFilter):
    """The inventory page's filters plus its free-text search and sort; an export of the
    inventory takes the same parameters, so it contains exactly the rows the page shows."""

    SORTS, DEFAULT_SORT = AI_SYSTEM_SORTS, "name"

    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label=_("Sort"),
        empty_label=None,
        choices=[
            ("name", _("Name")),
            ("-updated", _("Recently changed")),
            ("review", _("Next review")),
            ("stage", _("Life cycle stage")),
            ("tier", _("EU AI Act tier")),
        ],
    )

    def filter_text(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(purpose__icontains=value))
