"""No list sorts a whole table (DESIGN §10, issue 15): every ordering a list endpoint allows
(its default, and each ``?ordering=`` either way) and every sort of a list page is read off
an index. The first page's and the last page's queries are planned with sorting disabled
(``enable_sort = off``): a plan that still sorts has no index to walk in that order."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.urls import get_resolver
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from aims.filters import AI_SYSTEM_SORTS
from aims.models import AISystem
from aims.pagination import ordering_keys
from controls.filters.controls import CONTROL_SORTS
from controls.models import Control
from risk.filters import RISK_SORTS
from risk.models import Risk

pytestmark = pytest.mark.django_db

PAGE_SORTS = [(AISystem, AI_SYSTEM_SORTS), (Risk, RISK_SORTS), (Control, CONTROL_SORTS)]

#: Lists whose size is bounded by the reference library or by a handful of parent records,
#: not by use: their orders follow related rows (a framework's category, a requirement's
#: place in its framework) and sort a few hundred rows at most. Every other list, above all
#: those that grow with use, is read off an index.
BOUNDED = {
    "api/v1/^frameworks/$": "the frameworks of the reference library (tens)",
    "api/v1/^requirements/$": "the requirements of the reference library, in framework order",
    "api/v1/^mappings/$": "the library's mappings between frameworks, by set and clause",
    "api/v1/^coverage/$": "one row per framework of the library, ordered by its coverage",
    "api/v1/^clause-assessments/$": "one per clause of the library, in the clause's order",
    "api/v1/^risk-matrices/$": "a few matrices and their versions",
    "api/v1/^soa-rows/$": "one row per Annex A control in each of the few SoA versions",
}


def _list_viewsets() -> list[tuple[str, Any]]:
    found: dict[str, Any] = {}

    def walk(patterns: Any, prefix: str) -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            actions = getattr(pattern.callback, "actions", None) or {}
            if actions.get("get") == "list":
                found[prefix + str(pattern.pattern)] = pattern.callback.cls

    walk(get_resolver().url_patterns, "")
    return sorted(found.items())


def _queryset(viewset: Any, user: Any, ordering: str | None) -> Any:
    request = APIRequestFactory().get("/", {"ordering": ordering} if ordering else {})
    request.user = user
    view = viewset()
    view.request = Request(request)
    view.request.user = user
    view.format_kwarg = None
    view.action = "list"
    view.kwargs = {}
    view.args = ()
    return view.filter_queryset(view.get_queryset())


def _sorts(plan: dict[str, Any]) -> list[str]:
    found = []
    if plan["Node Type"] in ("Sort", "Incremental Sort"):
        found.append(f"{plan['Node Type']} {plan.get('Sort Key')}")
    for child in plan.get("Plans", []):
        found += _sorts(child)
    return found


def _page_sorts(queryset: Any) -> list[str]:
    """The sorts in the plans of the first and of the last page (keys flipped)."""
    keys = ordering_keys(queryset)
    problems = []
    for walk in (keys, [key.flipped() for key in keys]):
        page = queryset.order_by(*[key.order for key in walk])[:51]
        sql, params = page.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        problems += _sorts(plan[0]["Plan"])
    return problems


def test_every_ordering_of_every_list_endpoint_is_read_off_an_index(officer):
    failures = []
    checked = 0
    routes = _list_viewsets()
    assert set(BOUNDED) <= {route for route, _ in routes}, "an exemption names no list"
    for route, viewset in routes:
        if route in BOUNDED:
            continue
        allowed = getattr(viewset, "ordering_fields", None) or []
        orderings: list[str | None] = [None]
        if allowed != "__all__":
            orderings += [f"{sign}{name}" for name in allowed for sign in ("", "-")]
        for ordering in orderings:
            queryset = _queryset(viewset, officer, ordering)
            sorts = _page_sorts(queryset)
            checked += 1
            if sorts:
                failures.append(f"{route} ordering={ordering or 'default'}: {sorts}")
    assert checked > 60
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("model", "sorts"), PAGE_SORTS)
def test_every_sort_of_the_list_pages_is_read_off_an_index(model, sorts):
    failures = []
    for name, ordering in sorts.items():
        queryset = model._default_manager.order_by(*ordering)
        sorts_found = _page_sorts(queryset)
        if sorts_found:
            failures.append(f"{model.__name__} sort={name}: {sorts_found}")
    assert not failures, "\n".join(failures)
