"""Every read of the risk app. Selectors without a ``user`` shape rows and are restricted by
the base views (``aims.scope.restrict``); see ``aims.selectors``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.query import ModelIterable
from django.utils import timezone
from django_filters.constants import EMPTY_VALUES

from aims import urns
from aims.models import AISystem, Requirement
from aims.scope import VIEW, systems_in_reach
from risk.models import Risk, RiskAcceptance, RiskCellCount, RiskMatrix, TreatmentAction
from risk.services.register import TEMPLATE_SOURCES


def risks() -> QuerySet[Risk]:
    """Risks with what the register shows (rows: ``restrict``)."""
    return Risk.objects.select_related("matrix", "owner").prefetch_related(
        Prefetch("ai_systems", queryset=AISystem.objects.only("id", "name", "version"))
    )


#: The attributes ``risks_for_api`` fills on each risk of a page, for the API's fields to read
#: as plain lists (no manager or queryset per row and relation, which Django's prefetch cache
#: builds): the linked rows as ids (objects with a ``pk``) in the relation's order, and the
#: acceptance in force.
RISK_API_PREFETCHED = {
    "ai_systems": "ai_systems_listed",
    "risk_sources": "risk_sources_listed",
    "categories": "categories_listed",
    "principles": "principles_listed",
    "aisi_perspectives": "aisi_perspectives_listed",
    "acceptances": "acceptances_in_force",
}
_LINKED = ("ai_systems", "risk_sources", "categories", "principles", "aisi_perspectives")


@dataclass(frozen=True, slots=True)
class LinkedId:
    """A linked row known by its id alone (what the API's id lists read of it)."""

    pk: int


@cache
def _linked_ids_sql() -> str:
    """One statement for the ids linked to a page of risks through every relation of
    ``_LINKED``, each in the order of its model (``Meta.ordering``, then id), and last the
    ids of their acceptances in force (newest first): five prefetch queries and one for the
    acceptances cost six compilations and a model instance per linked row, most of a page's
    Python time."""
    quote = connection.ops.quote_name
    parts = []
    for number, name in enumerate(_LINKED):
        field: Any = Risk._meta.get_field(name)
        through: Any = field.remote_field.through._meta
        target: Any = field.related_model._meta
        risk_column = quote(through.get_field(field.m2m_field_name()).column)
        linked_column = quote(through.get_field(field.m2m_reverse_field_name()).column)
        parts.append(
            f"(SELECT {number}, link.{risk_column}, link.{linked_column} "
            f"FROM {quote(through.db_table)} link "
            f"JOIN {quote(target.db_table)} linked ON linked.id = link.{linked_column} "
            f"WHERE link.{risk_column} = ANY(%(page)s) ORDER BY {_order('linked', target)})"
        )
    acceptance: Any = RiskAcceptance._meta
    risk = quote(acceptance.get_field("risk").column)
    ended = quote(acceptance.get_field("ended_at").column)
    parts.append(
        f"(SELECT {len(_LINKED)}, accepted.{risk}, accepted.id "
        f"FROM {quote(acceptance.db_table)} accepted "
        f"WHERE accepted.{ended} IS NULL AND accepted.{risk} = ANY(%(page)s) "
        f"ORDER BY {_order('accepted', acceptance)})"
    )
    return " UNION ALL ".join(parts)


def _order(alias: str, meta: Any) -> str:
    """``ORDER BY`` of a model's ``Meta.ordering`` then its id, on the table ``alias``."""
    quote = connection.ops.quote_name
    order = []
    for key in [*meta.ordering, "id"]:
        if not isinstance(key, str):
            raise TypeError(f"{meta.label}: ordering by {key!r} is not supported here")
        column = quote(meta.get_field(key.lstrip("-")).column)
        order.append(f"{alias}.{column}{' DESC' if key.startswith('-') else ''}")
    return ", ".join(order)


def _load_linked(page: list[Risk]) -> None:
    """Put on each risk of ``page`` the ids of its linked rows and its acceptance in force
    as a list of at most one (``RISK_API_PREFETCHED``): one query for the page, and one more
    for the acceptances in force when the page has any (by their ids)."""
    linked: dict[tuple[int, int], list[Any]] = defaultdict(list)
    made: dict[int, LinkedId] = {}  # a page links the same few rows many times: one each
    ids = [risk.pk for risk in page]
    accepted: list[int] = []
    with connection.cursor() as cursor:
        # The ids once, named by every part (as many lists would be adapted one by one).
        cursor.execute(_linked_ids_sql(), {"page": ids})
        for number, risk_id, linked_id in cursor.fetchall():
            if number == len(_LINKED):
                accepted.append(linked_id)
                continue
            item = made.get(linked_id)
            if item is None:
                item = made[linked_id] = LinkedId(linked_id)
            linked[(number, risk_id)].append(item)
    if accepted:
        for acceptance in _in_force().filter(pk__in=accepted):
            linked[(len(_LINKED), acceptance.risk_id)].append(acceptance)
    for risk in page:
        for number, name in enumerate([*_LINKED, "acceptances"]):
            setattr(risk, RISK_API_PREFETCHED[name], linked.get((number, risk.pk), []))


class RisksForAPI(QuerySet[Risk]):
    """Risks that, once fetched as model rows, carry the ids of their linked rows and their
    acceptance in force (``_load_linked``: one query for the page, whatever its size, and
    one when it holds accepted risks)."""

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._iterable_class is ModelIterable and self._result_cache:
            _load_linked(self._result_cache)  # type: ignore[arg-type]


def risks_for_api() -> QuerySet[Risk]:
    """Risks with every relation the API's risk representation reads, and no more: the
    representation names related rows by id (the matrix, owner and template by their column),
    so the linked rows are loaded as ids, and only the acceptance in force is loaded whole
    (``RisksForAPI``)."""
    return RisksForAPI(model=Risk)


def _in_force() -> QuerySet[RiskAcceptance]:
    return RiskAcceptance.objects.select_related("accepted_by").filter(ended_at__isnull=True)


def acceptance_in_force() -> Prefetch:
    """Each risk's acceptance in force, with who accepted it, as a list of at most one
    (``RISK_API_PREFETCHED["acceptances"]``), as the register report reads it (the API's
    rows load the same list themselves: ``RisksForAPI``)."""
    return Prefetch("acceptances", queryset=_in_force(), to_attr=RISK_API_PREFETCHED["acceptances"])


def risk_details() -> QuerySet[Risk]:
    """Risks with everything a risk's page reads."""
    return (
        risks()
        .select_related("matrix__criteria", "template")
        .prefetch_related(
            "categories",
            "principles",
            "aisi_perspectives",
            "risk_sources",
            Prefetch(
                "actions",
                queryset=TreatmentAction.objects.select_related("owner").prefetch_related(
                    "controls", "implementing_controls"
                ),
            ),
            Prefetch("acceptances", queryset=RiskAcceptance.objects.select_related("accepted_by")),
        )
    )


def treatment_actions() -> QuerySet[TreatmentAction]:
    return TreatmentAction.objects.select_related("owner", "risk").prefetch_related(
        "controls", "implementing_controls"
    )


def risk_matrices() -> QuerySet[RiskMatrix]:
    """Matrices, the current versions first (organisation-wide reference data)."""
    return RiskMatrix.objects.select_related("criteria").order_by("-is_current", "code", "-version")


def risk_matrices_current() -> QuerySet[RiskMatrix]:
    return RiskMatrix.objects.filter(is_current=True).order_by("-is_default", "code")


def risk_matrix_default() -> RiskMatrix | None:
    """The matrix of new risks and of the register's heat maps (the officer's choice)."""
    return RiskMatrix.objects.filter(is_default=True).first()


#: The register's filters the kept counts answer: the columns they are kept by (the same
#: names as the risk's), and conditions on those alone. ``sort`` orders rows, narrows none.
COUNTED_FILTERS = frozenset(
    {
        "matrix",
        "status",
        "treatment_option",
        "inherent_level",
        "residual_level",
        "inherent_likelihood",
        "inherent_impact",
        "residual_likelihood",
        "residual_impact",
        "above_criteria",
    }
)
ORDER_ONLY = frozenset({"sort"})


def sees_every_risk(user: Any) -> bool:
    """Whether ``restrict`` leaves ``user`` the whole register (the risks' scope is their AI
    systems, and ``user``'s reach is every system)."""
    return systems_in_reach(user, VIEW) is None


def risk_cell_counts(user: Any, filters: Any = None) -> QuerySet[RiskCellCount] | None:
    """The kept counts (``RiskCellCount``) of the risks ``user`` sees, narrowed as the
    register's ``filters`` (a ``RiskFilter`` over the user's risks) narrow the rows; None
    when they cannot answer: ``user`` sees part of the register (their part is aggregated
    instead, it is smaller), or a filter narrows by what the counts do not hold (a text, an
    AI system, an owner, a date). The register's own filters are applied to the counts: the
    columns carry the same names, so both answer the same condition. Invalid filters narrow
    nothing, as on the register."""
    if not sees_every_risk(user):
        return None
    counts = RiskCellCount.objects.all()
    if filters is None or not filters.is_bound or not filters.is_valid():
        return counts
    for name, value in filters.form.cleaned_data.items():
        if name in ORDER_ONLY or value in EMPTY_VALUES:
            continue
        if name not in COUNTED_FILTERS:
            return None
        counts = filters.filters[name].filter(counts, value)
    return counts


def risk_heatmaps(
    risks: QuerySet[Risk] | QuerySet[RiskCellCount], *, always: RiskMatrix | None = None
) -> list[dict[str, Any]]:
    """Counts per cell of the inherent and the residual positions of ``risks``, one map per
    matrix version in use, most used first (``always``: a map of that matrix too, empty when
    no row uses it). ``risks`` are risks (aggregated) or their kept counts
    (``risk_cell_counts``: added up, a few thousand rows whatever the register's size). One
    query grouped by both positions, so one pass serves both maps; the maps' totals add up
    to the number of rows, which the register uses instead of counting again."""
    number = Sum("count") if issubclass(risks.model, RiskCellCount) else Count("id")
    cells: dict[int, dict[str, dict[tuple[int, int], int]]] = defaultdict(
        lambda: {"inherent": defaultdict(int), "residual": defaultdict(int)}
    )
    totals: dict[int, int] = defaultdict(int)
    grouped = (
        risks.order_by()
        .values(
            "matrix_id",
            "inherent_likelihood",
            "inherent_impact",
            "residual_likelihood",
            "residual_impact",
        )
        .annotate(n=number)
    )
    for row in grouped:
        matrix_cells = cells[row["matrix_id"]]
        matrix_cells["inherent"][(row["inherent_likelihood"], row["inherent_impact"])] += row["n"]
        matrix_cells["residual"][(row["residual_likelihood"], row["residual_impact"])] += row["n"]
        totals[row["matrix_id"]] += row["n"]
    if always is not None and always.pk not in cells:
        cells[always.pk] = {"inherent": defaultdict(int), "residual": defaultdict(int)}
    matrices = RiskMatrix.objects.in_bulk(list(cells))
    maps = []
    for matrix_id in sorted(cells, key=lambda m: -totals[m]):
        matrix = matrices[matrix_id]
        colours = {level["code"]: level.get("colour", "") for level in matrix.levels}
        rows_count, columns = matrix.size
        grids = {}
        for which in ("inherent", "residual"):
            grids[which] = [
                {
                    "likelihood": likelihood,
                    "label": matrix.step_label("likelihood", likelihood),
                    "cells": [
                        {
                            "impact": impact,
                            "count": cells[matrix_id][which].get((likelihood, impact), 0),
                            "level": matrix.grid[likelihood - 1][impact - 1],
                            "colour": colours.get(matrix.grid[likelihood - 1][impact - 1], ""),
                        }
                        for impact in range(1, columns + 1)
                    ],
                }
                for likelihood in range(rows_count, 0, -1)  # highest likelihood on top
            ]
        impacts = [matrix.step_label("impact", i) for i in range(1, columns + 1)]
        maps.append({"matrix": matrix, "total": totals[matrix_id], "impacts": impacts, **grids})
    return maps


def risk_templates() -> QuerySet[Requirement]:
    """The catalogue new risks start from: the Guidelines' risk examples and the risk sources
    of ISO/IEC 42001 Annex C.3."""
    from django.db.models import Q

    return (
        Requirement.objects.filter(withdrawn=False)
        .filter(
            Q(framework__urn=TEMPLATE_SOURCES[0], assessable=True)
            | Q(framework__urn=TEMPLATE_SOURCES[1], parent__ref_id="C.3")
        )
        .select_related("framework", "parent")
        .order_by("framework__urn", "order")
    )


def risk_template_initial(template: Requirement) -> dict[str, Any]:
    """What a new risk takes from a catalogue entry: title, description, and the library
    items its attributes name (principles, categories, Annex C risk sources)."""
    attributes = template.attributes or {}
    initial: dict[str, Any] = {
        "template": template,
        "title": template.name,
        "description": template.summary,
    }

    def items(urn: str, refs: list[str], **extra: Any) -> list[Requirement]:
        return list(
            Requirement.objects.filter(
                framework__urn=urn, ref_id__in=refs, withdrawn=False, **extra
            )
        )

    initial["principles"] = items(urns.METI_GUIDELINES, attributes.get("principles", []))
    initial["categories"] = items(urns.AI_RISK_CATEGORIES, attributes.get("categories", []))
    sources = list(attributes.get("annex_c_sources", []))
    if template.framework.urn == urns.ISO_42001:
        sources.append(template.ref_id)
    initial["risk_sources"] = items(urns.ISO_42001, sources, parent__ref_id="C.3")
    return initial


# --- Conditions the dashboard and clause conformance count by (and the register filters by) --
def above_criteria() -> Q:
    """Risks whose residual level is above their matrix's acceptance criteria (a matrix
    without criteria accepts nothing). One small query of the criteria."""
    from risk.models import RiskCriteria

    within = Q(pk__in=[])
    for matrix_id, levels in RiskCriteria.objects.values_list("matrix_id", "acceptable_levels"):
        if levels:
            within |= Q(matrix_id=matrix_id, residual_level__in=list(levels))
    return ~within


def acceptances_expiring(days: int = 30) -> QuerySet[RiskAcceptance]:
    """Acceptances in force that expire within ``days`` (or have expired and wait for the
    daily job to end them): a range of their expiry index."""
    soon = timezone.localdate() + timedelta(days=days)
    return RiskAcceptance.objects.filter(ended_at__isnull=True, expires_on__lte=soon)


def acceptance_expiring(days: int = 30) -> Exists:
    """Risks whose acceptance in force expires within ``days`` (``acceptances_expiring``)."""
    return Exists(acceptances_expiring(days).filter(risk=OuterRef("pk")))
