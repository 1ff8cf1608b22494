"""The API's filter backend (``aims.api.filters.ScopedFilterBackend``): a request that names
no filter is answered without building the filter set, which is only right because every
filter set of every endpoint leaves the rows as they are when none of its parameters is given
(held here for all of them)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from aims.api.base import PolicyViewSetMixin
from aims.api.filters import ScopedFilterBackend, names_a_filter
from aims.filters import ScopedFilterSet
from tests.aims.test_architecture import _project_subclasses
from tests.conftest import logged_in_api_client
from tests.factories import AISystemFactory, RiskFactory

pytestmark = pytest.mark.django_db


def _filtered_viewsets() -> list[type]:
    return [
        cls
        for cls in _project_subclasses(PolicyViewSetMixin)
        if ScopedFilterBackend in [b for b in getattr(cls, "filter_backends", [])]
        and (getattr(cls, "filterset_class", None) or getattr(cls, "filterset_fields", None))
    ]


def _list_view(cls: type, user: Any) -> Any:
    view = cls()
    view.request = Request(APIRequestFactory().get("/"))
    view.request.user = user
    view.action, view.format_kwarg, view.kwargs, view.args = "list", None, {}, ()
    return view


def test_without_its_parameters_every_filter_set_leaves_the_rows_as_they_are(officer):
    viewsets = _filtered_viewsets()
    assert len(viewsets) >= 20
    changed = []
    for cls in viewsets:
        view = _list_view(cls, officer)
        rows = view.get_queryset()
        filterset_class = ScopedFilterBackend().get_filterset_class(view, rows)
        filterset = filterset_class(data=QueryDict(""), queryset=rows, request=view.request)
        assert filterset.is_valid(), (cls.__name__, filterset.errors)
        if str(filterset.qs.query) != str(rows.query):
            changed.append(cls.__name__)
    assert changed == []


def test_a_list_that_names_no_filter_builds_no_filter_set(officer, monkeypatch):
    RiskFactory(ai_systems=[AISystemFactory()])
    built = []
    original = ScopedFilterSet.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ScopedFilterSet, "__init__", counting)
    client = logged_in_api_client(officer)
    url = reverse("api:risk-list")
    assert client.get(url, {"ordering": "title", "page_size": 10}).status_code == 200
    assert built == []
    assert client.get(url, {"status": "open"}).status_code == 200
    assert built == ["RiskFilter"]


def test_a_named_filter_still_filters_and_refuses_a_bad_value(officer):
    mine = RiskFactory(owner=officer)
    nobodys = RiskFactory(owner=None)
    client = logged_in_api_client(officer)
    url = reverse("api:risk-list")
    listed = {row["id"] for row in client.get(url, {"owner": officer.pk}).json()["results"]}
    assert mine.pk in listed and nobodys.pk not in listed
    refused = client.get(url, {"status": "nonsense"})
    assert refused.status_code == 400
    assert "status" in refused.json()["error"]["fields"]
    # A filter set made from ``filterset_fields`` (the treatment actions'), with a bad value.
    assert client.get(reverse("api:risk-action-list"), {"status": "no"}).status_code == 400


def test_the_filter_set_of_a_viewsets_fields_is_made_once(officer):
    from risk.api.views import RiskMatrixViewSet

    view = _list_view(RiskMatrixViewSet, officer)
    rows = view.get_queryset()
    backend = ScopedFilterBackend()
    made = backend.get_filterset_class(view, rows)
    assert made is backend.get_filterset_class(_list_view(RiskMatrixViewSet, officer), rows)
    assert issubclass(made, ScopedFilterSet)
    assert set(made.base_filters) == {"code", "is_current", "is_default", "is_impact_default"}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, False),
        ({"ordering": "x", "cursor": "y", "page_size": "5", "search": "z"}, False),
        ({"status": ""}, True),
        ({"next_review_on_after": "2026-01-01"}, True),
        ({"owner_0": "1"}, True),
    ],
)
def test_what_names_a_filter(params, named):
    filters = {"status": None, "next_review_on": None, "owner": None}
    assert names_a_filter(QueryDict(mutable=True) | params, filters) is named
