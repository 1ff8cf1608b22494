"""Every read of the risk app, already restricted to what the user may see."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from aims import selectors as aims_selectors
from aims.models import AISystem, Requirement
from aims.roles import Capability, has_capability
from risk.models import Risk, RiskAcceptance, RiskMatrix, TreatmentAction
from risk.services import TEMPLATE_SOURCES


def _linked_to(systems: QuerySet[AISystem]) -> Exists:
    """Risks linked to any of ``systems``. The ids are fetched first (one query; an operator
    holds tens of grants, not thousands): as a literal list they let PostgreSQL estimate the
    filter well, where the nested permission subquery made it walk the whole register."""
    through = Risk.ai_systems.through
    ids = list(systems.values_list("pk", flat=True))
    return Exists(through.objects.filter(risk_id=OuterRef("pk"), aisystem_id__in=ids))


def risk_list(*, user: Any) -> QuerySet[Risk]:
    """Risks ``user`` may see: all for roles that see all records; for operational members,
    the risks of the AI systems granted to them; none for others until audits give a scope."""
    queryset = Risk.objects.select_related("matrix", "owner").prefetch_related(
        Prefetch("ai_systems", queryset=AISystem.objects.only("id", "name", "version"))
    )
    if has_capability(user, Capability.SEE_ALL_RECORDS):
        return queryset
    if has_capability(user, Capability.CHANGE_RECORDS):
        return queryset.filter(_linked_to(aims_selectors.ai_system_list(user=user)))
    return queryset.none()


def risk_editable(*, user: Any) -> QuerySet[Risk]:
    """Risks ``user`` may change: all for officers; for operational members, those of the AI
    systems they may change."""
    queryset = Risk.objects.select_related("matrix", "owner")
    if not has_capability(user, Capability.CHANGE_RECORDS):
        return queryset.none()
    if has_capability(user, Capability.CHANGE_ALL_RECORDS):
        return queryset
    return queryset.filter(_linked_to(aims_selectors.ai_system_editable(user=user)))


def risk_detail(*, user: Any, pk: int) -> Risk | None:
    return (
        risk_list(user=user)
        .select_related("matrix__criteria", "template")
        .prefetch_related(
            "categories",
            "principles",
            "aisi_perspectives",
            "risk_sources",
            Prefetch(
                "actions",
                queryset=TreatmentAction.objects.select_related("owner").prefetch_related(
                    "controls"
                ),
            ),
            Prefetch("acceptances", queryset=RiskAcceptance.objects.select_related("accepted_by")),
        )
        .filter(pk=pk)
        .first()
    )


def treatment_action_list(*, user: Any) -> QuerySet[TreatmentAction]:
    return (
        TreatmentAction.objects.filter(risk__in=risk_list(user=user).values("pk"))
        .select_related("owner", "risk")
        .prefetch_related("controls")
    )


def treatment_action_editable(*, user: Any) -> QuerySet[TreatmentAction]:
    return TreatmentAction.objects.filter(risk__in=risk_editable(user=user).values("pk"))


def risk_matrix_list(*, user: Any) -> QuerySet[RiskMatrix]:
    """Matrices are organisation-wide reference data: everyone who sees records sees them."""
    if not has_capability(user, Capability.SEE_RECORDS):
        return RiskMatrix.objects.none()
    return RiskMatrix.objects.select_related("criteria").order_by("-is_current", "code", "-version")


def risk_matrices_current() -> QuerySet[RiskMatrix]:
    return RiskMatrix.objects.filter(is_current=True).order_by("-is_default", "code")


def risk_heatmaps(risks: QuerySet[Risk]) -> list[dict[str, Any]]:
    """Counts per cell of the inherent and the residual positions of ``risks``, one map per
    matrix version in use, most used first. One aggregate query (grouped by both positions,
    so one scan serves both maps) whatever the row count; the maps' totals add up to the
    number of rows, which the register uses instead of counting again."""
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
        .annotate(n=Count("id"))
    )
    for row in grouped:
        matrix_cells = cells[row["matrix_id"]]
        matrix_cells["inherent"][(row["inherent_likelihood"], row["inherent_impact"])] += row["n"]
        matrix_cells["residual"][(row["residual_likelihood"], row["residual_impact"])] += row["n"]
        totals[row["matrix_id"]] += row["n"]
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

    initial["principles"] = items(
        "urn:aims:framework:meti-ai-guidelines", attributes.get("principles", [])
    )
    initial["categories"] = items(
        "urn:aims:framework:taxonomy-ai-risk-categories", attributes.get("categories", [])
    )
    sources = list(attributes.get("annex_c_sources", []))
    if template.framework.urn == "urn:aims:framework:iso-iec-42001":
        sources.append(template.ref_id)
    initial["risk_sources"] = items(
        "urn:aims:framework:iso-iec-42001", sources, parent__ref_id="C.3"
    )
    return initial
