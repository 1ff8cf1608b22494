"""The risk register report: PDF (cover, contents, summary, heat maps, the register, the
acceptances), and the same filtered register as XLSX or CSV."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import ReportFormat
from aims.models import AISystem, ReportJob, Requirement
from aims.people import person_name
from aims.reports import ReportKind, clean_filters, describe_filters
from aims.reports.pdf import render_pdf, report_context
from aims.reports.writers import write_csv, write_xlsx
from aims.scope import Sight, restrict, sight
from risk import charts, selectors
from risk.charts import Bar, Level
from risk.choices import RiskStatus, TreatmentOption
from risk.filters import RiskPageFilter
from risk.models import Risk, RiskMatrix, TreatmentAction

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
    needs fetched in a fixed number of queries. The linked rows come as plain lists, under the
    names the API reads them by (``selectors.RISK_API_PREFETCHED``: ``ai_systems_listed``…,
    the acceptance in force as ``acceptances_in_force``), and the actions as
    ``actions_listed``: no manager or queryset built per risk and relation, which a
    thousand-row register would spend more time on than on its SQL."""
    listed = selectors.RISK_API_PREFETCHED
    visible = restrict(selectors.risks(), job.requested_by)
    return (
        RiskPageFilter(job.parameters, queryset=visible)
        .qs.select_related(None)
        .select_related("owner")
        .prefetch_related(None)
        .prefetch_related(
            # A register uses a few matrices: each read once and shared by its risks, not
            # joined (and its level tables decoded) on every row.
            "matrix",
            Prefetch(
                "ai_systems",
                queryset=AISystem.objects.only("id", "name", "version"),
                to_attr=listed["ai_systems"],
            ),
            *(
                Prefetch(name, queryset=Requirement.objects.all(), to_attr=listed[name])
                for name in ("categories", "principles", "risk_sources")
            ),
            Prefetch(
                "actions",
                queryset=TreatmentAction.objects.only("id", "risk_id", "status"),
                to_attr="actions_listed",
            ),
            selectors.acceptance_in_force(),
        )
    )


#: The labels of the choices a row shows (``get_…_display`` hashes its lazy choices for every
#: call: a noticeable part of a thousand-row register).
TREATMENT_OPTIONS = dict(TreatmentOption.choices)
STATUSES = dict(RiskStatus.choices)


def _values(risk: Any, sight: Sight) -> dict[str, Any]:
    """One row of the register as the requester sees it (``sight``: the AI systems they may
    see are named, the others counted); ``risk`` comes from ``register_rows``."""
    matrix = risk.matrix
    actions = risk.actions_listed
    acceptance = next(iter(risk.acceptances_in_force), None)
    return {
        "code": risk.code,
        "title": risk.title,
        "description": risk.description,
        "ai_systems": sight.text(risk.ai_systems_listed),
        "categories": ", ".join(c.name for c in risk.categories_listed),
        "principles": ", ".join(f"{p.ref_id} {p.name}" for p in risk.principles_listed),
        "risk_sources": ", ".join(s.name for s in risk.risk_sources_listed),
        "matrix": str(matrix),
        "inherent_likelihood": risk.inherent_likelihood,
        "inherent_impact": risk.inherent_impact,
        "inherent_level": matrix.level_label(risk.inherent_level),
        "residual_likelihood": risk.residual_likelihood,
        "residual_impact": risk.residual_impact,
        "residual_level": matrix.level_label(risk.residual_level),
        "treatment_option": str(TREATMENT_OPTIONS.get(risk.treatment_option, "")),
        "treatment_plan": risk.treatment_plan,
        "actions_open": sum(1 for a in actions if a.status in ("planned", "in_progress")),
        "actions_total": len(actions),
        "status": str(STATUSES.get(risk.status, "")),
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
        values.update(_register_entry(risk, values))
        matrices[risk.matrix_id] = risk.matrix
        values["pk"] = risk.pk
        rows.append(values)
    accepted = [row for row in rows if row["accepted_by"]]
    toc = [
        ("summary", _("Summary")),
        ("heatmaps", _("Heat maps")),
        ("register", _("Risk register")),
        ("acceptances", _("Accepted risks")),
    ]
    # As on the register page: a report filtered to one matrix maps that one, else the
    # default matrix (even when no risk of the report uses it).
    default = None if job.parameters.get("matrix") else selectors.risk_matrix_default()
    heatmaps = selectors.risk_heatmaps(register_rows(job), always=default)
    return report_context(
        job,
        title=_("AI risk register"),
        subtitle=_("ISO/IEC 42001 6.1.2 AI risk assessment and 6.1.3 AI risk treatment"),
        filters=describe(job.parameters),
        toc=toc,
        rows=rows,
        total=len(rows),
        heatmaps=heatmaps,
        accepted=accepted,
        level_styles=level_styles(
            {**matrices, **{m["matrix"].pk: m["matrix"] for m in heatmaps}}.values()
        ),
        **summary_context(risks, requester, heatmaps, default),
    )


def _register_entry(risk: Risk, values: dict[str, Any]) -> dict[str, str]:
    """The register's entry for one risk, composed here once as two lines of text: its number,
    title and AI systems; then its levels with their scores, treatment with its open actions,
    status and owner, and next review. One run of text a risk is what keeps a long register
    quick to lay out (WeasyPrint's cost follows the lines and boxes it lays out: seven cells a
    risk took a thousand-risk register past its 3 s budget)."""
    treatment = str(values["treatment_option"])
    if values["actions_total"]:
        actions = _("%(open)s of %(total)s actions open") % {
            "open": values["actions_open"],
            "total": values["actions_total"],
        }
        treatment = f"{treatment} ({actions})"
    review = values["next_review_on"]
    heading = _("%(code)s %(title)s | AI systems: %(systems)s") % {
        "code": risk.code,
        "title": risk.title,
        "systems": values["ai_systems"] or "—",
    }
    detail = _(
        "Inherent %(inherent)s → residual %(residual)s | %(treatment)s | %(status)s · "
        "%(owner)s | next review %(review)s"
    ) % {
        "inherent": f"{values['inherent_level']} {risk.inherent_likelihood}×{risk.inherent_impact}",
        "residual": f"{values['residual_level']} {risk.residual_likelihood}×{risk.residual_impact}",
        "treatment": treatment,
        "status": values["status"],
        "owner": values["owner"] or "—",
        "review": review.isoformat() if review else "—",
    }
    return {
        "treatment": treatment,
        "entry": f"{heading}\n{detail}",
        "bar_class": f"lv-{risk.matrix_id}-{risk.residual_level}-bar",
    }


def merged_levels(matrices: Iterable[RiskMatrix]) -> tuple[list[Level], dict[tuple[int, str], str]]:
    """The levels of ``matrices`` labelled once each (two matrices both have 「中」: one
    entry), lowest first by their place on the matrix that names them first; and the key of
    each (matrix, level code)."""
    places: dict[str, tuple[float, Level]] = {}
    keys: dict[tuple[int, str], str] = {}
    for matrix in matrices:
        count = len(matrix.levels)
        for rank, level in enumerate(matrix.levels):
            label = matrix.level_label(level["code"])
            keys[(matrix.pk, level["code"])] = label
            if label not in places:
                place = rank / (count - 1) if count > 1 else 0.0
                places[label] = (place, Level(label, label, str(level.get("colour") or "")))
    ordered = sorted(places.values(), key=lambda item: item[0])
    return [level for _place, level in ordered], keys


MAX_SYSTEM_BARS = 15


def summary_context(
    risks: list[Risk], requester: Sight, heatmaps: list[dict[str, Any]], default: Any
) -> dict[str, Any]:
    """The summary page: the heat maps of one matrix (the default one), residual levels by
    status and by AI system as bar charts, levels labelled once, and the overdue reviews."""
    shown = next((m for m in heatmaps if default and m["matrix"].pk == default.pk), None) or (
        heatmaps[0] if heatmaps else None
    )
    used = {risk.matrix_id: risk.matrix for risk in risks}
    if shown is not None:
        used.pop(shown["matrix"].pk, None)
        order = [shown["matrix"], *sorted(used.values(), key=lambda m: m.pk)]
    else:
        order = sorted(used.values(), key=lambda m: m.pk)
    levels, keys = merged_levels(order)
    by_status = {status: Bar(str(label)) for status, label in RiskStatus.choices}
    by_system: dict[Any, Bar] = {}
    by_level: Counter[str] = Counter()
    hidden_label, wide_label = other_systems_label(), _("organisation-wide")
    for risk in risks:
        key = keys.get((risk.matrix_id, risk.residual_level), risk.residual_level)
        by_level[key] += 1
        bar = by_status[risk.status]
        bar.counts[key] = bar.counts.get(key, 0) + 1
        systems, hidden = requester.split(risk.ai_systems_listed)
        targets: list[tuple[Any, str]] = [(s.pk, str(s)) for s in systems]
        if hidden:
            targets.append(("hidden", hidden_label))
        if not systems and not hidden:
            targets.append(("wide", wide_label))
        for target, label in targets:
            bar = by_system.setdefault(target, Bar(label))
            bar.counts[key] = bar.counts.get(key, 0) + 1
    system_bars = sorted(by_system.values(), key=lambda b: (-b.total, b.label))
    if len(system_bars) > MAX_SYSTEM_BARS:
        rest = Bar(_("Other AI systems"))
        for bar in system_bars[MAX_SYSTEM_BARS - 1 :]:
            for key, count in bar.counts.items():
                rest.counts[key] = rest.counts.get(key, 0) + count
        system_bars = [*system_bars[: MAX_SYSTEM_BARS - 1], rest]
    today = timezone.localdate()
    overdue = sorted(
        (
            (risk.next_review_on, risk.pk, risk)
            for risk in risks
            if risk.next_review_on
            and risk.next_review_on < today
            and risk.status != RiskStatus.CLOSED
        ),
        key=lambda item: (item[0], item[1]),
    )
    axes = (_("Likelihood"), _("Impact"))
    summary_maps = {}
    if shown is not None:
        matrix = shown["matrix"]
        colours = {level["code"]: str(level.get("colour") or "") for level in matrix.levels}
        labels = {level["code"]: matrix.level_label(level["code"]) for level in matrix.levels}
        for which, caption in (("inherent", _("Inherent risk")), ("residual", _("Residual risk"))):
            summary_maps[which] = charts.heatmap(
                shown[which], shown["impacts"], colours, labels, title=caption, axes=axes
            )
    return {
        "summary_matrix": shown["matrix"] if shown else None,
        "summary_matrix_total": shown["total"] if shown else 0,
        "summary_maps": summary_maps,
        "summary_levels": [(level, by_level.get(level.key, 0)) for level in levels],
        "status_chart": charts.bar_chart(
            list(by_status.values()), levels, title=_("Residual level by status")
        ),
        "system_chart": charts.bar_chart(
            system_bars, levels, title=_("Residual level by AI system")
        ),
        "overdue": [
            {
                "code": risk.code,
                "title": risk.title,
                "owner": person_name(risk.owner),
                "next_review_on": due,
                "days": (today - due).days,
            }
            for due, _pk, risk in overdue[:MAX_OVERDUE]
        ],
        "overdue_total": len(overdue),
    }


MAX_OVERDUE = 50


def other_systems_label() -> str:
    return _("AI systems you may not see")


def level_styles(matrices: Any) -> list[tuple[str, str, str]]:
    """One CSS class per level of each matrix (``lv-<matrix>-<code>``): its colour, with text
    that stays readable on it (and ``…-bar``, the register entry's bar in that colour: the
    base template writes both). Classes, not a style per cell: far less for WeasyPrint to
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
