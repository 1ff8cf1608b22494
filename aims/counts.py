"""Counts of related rows shown beside each row of a list, as correlated subqueries.

``annotate(n=Count("children"))`` joins and groups the whole table before a page is taken:
the list sorts every row to show 50. A subquery per row counts only the page's children
(through the foreign key's index), so the page stays a walk of its ordering's index."""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, Func, OuterRef, QuerySet, Subquery, Value


def count_subquery(rows: QuerySet[Any]) -> Subquery:
    """How many ``rows`` there are, as a subquery of another query (``COUNT`` with no
    ``GROUP BY``; correlated when ``rows`` refer to an ``OuterRef``)."""
    counted = rows.order_by().annotate(n=Func(Value(1), function="COUNT")).values("n")
    return Subquery(counted, output_field=BigIntegerField())


def count_of(rows: QuerySet[Any], via: str) -> Subquery:
    """How many of ``rows`` point at the outer row through the foreign key ``via``."""
    return count_subquery(rows.filter(**{via: OuterRef("pk")}))
