"""The risk register report: PDF (cover, contents, summary, heat maps, the register, the
acceptances), and the same filtered register as XLSX or CSV."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import ReportFormat
from aims.models import ReportJob
from aims.people import person_name
from aims.reports import ReportKind, clean_filters, describe_filters
from aims.reports.pdf import render_pdf, report_context
from aims.reports.writers import write_csv, write_xlsx
from aims.scope import Sight, restrict, sight
from risk import selectors
from risk.filters import RiskPageFilter
from risk.models import Risk, RiskAcceptance

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
COLUMNS = (
    "code",
    "title",
    "description",
    "ai_systems",
    "categories",
    "principles",
    "risk_sources",
    "matrix",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_level",
    "residual_likelihood",
    "residual_impact",
    "residual_level",
    "treatment_option",
    "treatment_plan",
    "actions_open",
    "actions_total",
    "status",
    "owner",
    "accepted_by",
    "accepted_until",
    "next_review_on",
    "updated_at",
)


def clean(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    return clean_filters(RiskPageFilter, raw, user=user)


def describe(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    return describe_filters(RiskPageFilter, parameters)


def register_rows(job: ReportJob) -> QuerySet[Risk]:
    """The register as the requester sees it with the job's filters, with what every column
    needs fetched in a fixed number of queries (the selector already brings the systems)."""
    visible = restrict(selectors.risks(), job.requested_by)
    return (
        RiskPageFilter(job.parameters, queryset=visible)
        .qs.select_related("matrix", "owner")
        .prefetch_related(
            "categories",
            "principles",
            "risk_sources",
            "actions",
            Prefetch(
                "acceptances",
                queryset=RiskAcceptance.objects.filter(ended_at__isnull=True).select_related(
                    "accepted_by"
                ),
            ),
        )
    )


def _values(risk: Risk, sight: Sight) -> dict[str, Any]:
    """One row of the register as the requester sees it (``sight``: the AI systems they may
    see are named, the others counted)."""
    matrix = risk.matrix
    actions = list(risk.actions.all())
    acceptance = next(iter(risk.acceptances.all()), None)
    return {
        "code": risk.code,
        "title": risk.title,
        "description": risk.description,
        "ai_systems": sight.text(risk.ai_systems.all()),
        "categories": ", ".join(c.name for c in risk.categories.all()),
        "principles": ", ".join(f"{p.ref_id} {p.name}" for p in risk.principles.all()),
        "risk_sources": ", ".join(s.name for s in risk.risk_sources.all()),
        "matrix": str(matrix),
        "inherent_likelihood": risk.inherent_likelihood,
        "inherent_impact": risk.inherent_impact,
        "inherent_level": matrix.level_label(risk.inherent_level),
        "residual_likelihood": risk.residual_likelihood,
        "residual_impact": risk.residual_impact,
        "residual_level": matrix.level_label(risk.residual_level),
        "treatment_option": risk.get_treatment_option_display(),
        "treatment_plan": risk.treatment_plan,
        "actions_open": sum(1 for a in actions if a.status in ("planned", "in_progress")),
        "actions_total": len(actions),
        "status": risk.get_status_display(),
        "owner": person_name(risk.owner),
        "accepted_by": person_name(acceptance.accepted_by) if acceptance else "",
        "accepted_until": acceptance.expires_on if acceptance else None,
        "next_review_on": risk.next_review_on,
        "updated_at": risk.updated_at,
    }


def _table(job: ReportJob) -> Iterator[list[Any]]:
    requester = sight(job.requested_by)
    for risk in register_rows(job).iterator(chunk_size=500):
        values = _values(risk, requester)
        yield [values[column] for column in COLUMNS]


def _legend() -> list[tuple[str, str]]:
    labels = {
        "code": _("Risk number"),
        "title": _("Title"),
        "description": _("Description"),
        "ai_systems": _("AI systems"),
        "categories": _("Categories"),
        "principles": _("Principles (AI Guidelines for Business)"),
        "risk_sources": _("Risk sources (ISO/IEC 42001 Annex C)"),
        "matrix": _("Risk matrix"),
        "inherent_likelihood": _("Inherent likelihood"),
        "inherent_impact": _("Inherent impact"),
        "inherent_level": _("Inherent level"),
        "residual_likelihood": _("Residual likelihood"),
        "residual_impact": _("Residual impact"),
        "residual_level": _("Residual level"),
        "treatment_option": _("Treatment option"),
        "treatment_plan": _("Treatment plan"),
        "actions_open": _("Open treatment actions"),
        "actions_total": _("Treatment actions"),
        "status": _("Status"),
        "owner": _("Owner"),
        "accepted_by": _("Accepted by"),
        "accepted_until": _("Accepted until"),
        "next_review_on": _("Next review"),
        "updated_at": _("Last changed"),
    }
    return [(column, str(labels[column])) for column in COLUMNS]


def render(job: ReportJob, out: IO[bytes]) -> None:
    if job.format == ReportFormat.CSV:
        write_csv(out, COLUMNS, _table(job))
    elif job.format == ReportFormat.XLSX:
        write_xlsx(
            out,
            COLUMNS,
            _table(job),
            title=_("AI risk register"),
            legend=_legend(),
            legend_title=_("Columns"),
        )
    else:
        render_pdf("risk/report_register.html", pdf_context(job), out)


def pdf_context(job: ReportJob) -> dict[str, Any]:
    risks = list(register_rows(job))
    requester = sight(job.requested_by)
    rows = []
    matrices: dict[int, Any] = {}
    for risk in risks:
        values = _values(risk, requester)
        values["inherent_class"] = f"lv-{risk.matrix_id}-{risk.inherent_level}"
        values["residual_class"] = f"lv-{risk.matrix_id}-{risk.residual_level}"
        matrices[risk.matrix_id] = risk.matrix
        values["pk"] = risk.pk
        rows.append(values)
    by_status = Counter(risk.get_status_display() for risk in risks)
    by_level = Counter(
        (risk.residual_rank, risk.matrix.level_label(risk.residual_level)) for risk in risks
    )
    accepted = [row for row in rows if row["accepted_by"]]
    toc = [
        ("summary", _("Summary")),
        ("heatmaps", _("Heat maps")),
        ("register", _("Risk register")),
        ("acceptances", _("Accepted risks")),
    ]
    heatmaps = selectors.risk_heatmaps(register_rows(job))
    return report_context(
        job,
        title=_("AI risk register"),
        subtitle=_("ISO/IEC 42001 6.1.2 AI risk assessment and 6.1.3 AI risk treatment"),
        filters=describe(job.parameters),
        toc=toc,
        rows=rows,
        total=len(rows),
        by_status=sorted(by_status.items()),
        by_level=[
            (label, count) for (_rank, label), count in sorted(by_level.items(), reverse=True)
        ],
        heatmaps=heatmaps,
        accepted=accepted,
        level_styles=level_styles(
            {**matrices, **{m["matrix"].pk: m["matrix"] for m in heatmaps}}.values()
        ),
    )


def level_styles(matrices: Any) -> list[tuple[str, str, str]]:
    """One CSS class per level of each matrix (``lv-<matrix>-<code>``): its colour, with text
    that stays readable on it. Classes, not a style per cell: far less for WeasyPrint to
    parse in a long register."""
    styles = []
    for matrix in matrices:
        for level in matrix.levels:
            colour = str(level.get("colour") or "")
            if not COLOUR.match(colour):
                colour = "#e5e7eb"
            red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            ink = "#fff" if 0.299 * red + 0.587 * green + 0.114 * blue < 150 else "#111"
            styles.append((f"lv-{matrix.pk}-{level['code']}", colour, ink))
    return styles


RISK_REGISTER = ReportKind(
    code="risk_register",
    label=gettext_lazy("AI risk register"),
    formats=(ReportFormat.PDF, ReportFormat.XLSX, ReportFormat.CSV),
    clean=clean,
    render=render,
    describe=describe,
)
