"""Counts of related rows shown beside each row of a list, as correlated subqueries.

``annotate(n=Count("children"))`` joins and groups the whole table before a page is taken:
the list sorts every row to show 50. A subquery per row counts only the page's children
(through the foreign key's index), so the page stays a walk of its ordering's index."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery


class _Count(Func):
    function = "COUNT"
    output_field = IntegerField()


def count_of(rows: QuerySet[Any], via: str) -> Subquery:
    """How many of ``rows`` point at the outer row through the foreign key ``via``."""
    counted = (
        rows.filter(**{via: OuterRef("pk")}).order_by().annotate(n=_Count(F("pk"))).values("n")
    )
    return Subquery(counted, output_field=IntegerField())
