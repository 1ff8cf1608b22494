"""What the risk app adds to the dashboard and to clause conformance: the risk posture panel
(levels, heat map, treatment progress, acceptances expiring), overdue risk reviews, and the
live evidence of 6.1.2 / 8.2 (risk assessment) and 6.1.3 / 8.3 (risk treatment).

Each figure counts only the risks the user may see and links to the register filtered to
exactly those risks (``risk.filters.RiskFilter`` takes every parameter used here)."""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, Count, Func, Max, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from aims.choices import ConformanceStatus, Role
from aims.counts import count_subquery
from aims.dashboard import day, link, shared
from aims.registry import (
    ClauseEvidence,
    ConformanceEvidenceSource,
    DashboardFigures,
    DashboardPanel,
    Figure,
    registry,
)
from aims.roles import Capability
from aims.scope import restrict
from risk.choices import RiskStatus, TreatmentOption

#: The risks still managed: the register's default view of the posture leaves closed ones out.
LIVE = [RiskStatus.OPEN, RiskStatus.IN_TREATMENT, RiskStatus.ACCEPTED]
#: Risks whose treatment is still to be done or decided.
UNTREATED = [RiskStatus.OPEN, RiskStatus.IN_TREATMENT]


def _risks(user: Any) -> Any:
    from risk.models import Risk

    return restrict(Risk.objects.all(), user)


def risk_counts(user: Any) -> dict[str, Any]:
    """Every count of the posture in one query (plus one small query of the criteria), once
    per dashboard or clause-evidence pass."""
    return shared(("risk_counts", user.pk), lambda: _risk_counts(user))


def _risk_counts(user: Any) -> dict[str, Any]:
    from risk.selectors import above_criteria, acceptance_expiring, risk_cell_counts

    live = Q(status__in=LIVE)
    untreated = Q(status__in=UNTREATED)
    above = above_criteria()
    today = timezone.localdate()
    kept = risk_cell_counts(user)
    if kept is None:  # a part of the register: aggregated, it is the user's part only
        return _risks(user).aggregate(
            total=Count("pk"),
            live=Count("pk", filter=live),
            above=Count("pk", filter=live & above),
            above_untreated=Count("pk", filter=untreated & above),
            not_decided=Count(
                "pk", filter=untreated & Q(treatment_option=TreatmentOption.NOT_DECIDED)
            ),
            expiring=Count("pk", filter=Q(status=RiskStatus.ACCEPTED) & Q(acceptance_expiring())),
            overdue=Count("pk", filter=live & Q(next_review_on__lt=today)),
            last_change=Max("updated_at"),
            **{f"status_{code}": Count("pk", filter=Q(status=code)) for code in RiskStatus.values},
        )
    return _whole_register_counts(kept, live, untreated, above, today)


def _whole_register_counts(
    kept: Any, live: Q, untreated: Q, above: Q, today: Any
) -> dict[str, Any]:
    """The same figures for the whole register from its kept counts (a few thousand rows):
    per cell (``RiskCellCount``), the overdue reviews per review day (``RiskReviewCount``),
    the acceptances expiring by their expiry index and the last change by
    ``risk_updated_order``. One query: the others are subqueries evaluated once, read as the
    ``Max`` of a constant (with no kept cell there is no risk, and they are 0 and none)."""
    from risk.models import Risk, RiskReviewCount
    from risk.selectors import acceptances_expiring

    def kept_sum(condition: Q | None = None) -> Coalesce:
        return Coalesce(Sum("count", filter=condition), 0, output_field=BigIntegerField())

    overdue = (
        RiskReviewCount.objects.filter(live, next_review_on__lt=today)
        .order_by()
        .annotate(n=Func("count", function="SUM"))
        .values("n")
    )
    # One acceptance in force per risk (a constraint), so acceptances count risks.
    expiring = acceptances_expiring().filter(risk__status=RiskStatus.ACCEPTED)
    newest = Risk.objects.order_by("-updated_at", "-id").values("updated_at")[:1]
    return kept.aggregate(
        total=kept_sum(),
        live=kept_sum(live),
        above=kept_sum(live & above),
        above_untreated=kept_sum(untreated & above),
        not_decided=kept_sum(untreated & Q(treatment_option=TreatmentOption.NOT_DECIDED)),
        expiring=Coalesce(Max(count_subquery(expiring)), 0),
        overdue=Coalesce(Max(Subquery(overdue, output_field=BigIntegerField())), 0),
        last_change=Max(Subquery(newest)),
        **{f"status_{code}": kept_sum(Q(status=code)) for code in RiskStatus.values},
    )


def _posture_panel(request: HttpRequest) -> dict[str, Any] | None:
    from risk.filters import level_choices
    from risk.selectors import risk_cell_counts, risk_heatmaps

    user = request.user
    counts = risk_counts(user)
    kept = risk_cell_counts(user)
    live = (kept if kept is not None else _risks(user)).filter(status__in=LIVE)
    heatmaps = risk_heatmaps(live)
    # The residual level of a risk is its matrix's level at its residual position, so the
    # heat maps' cells already count the risks per level (no second scan of the register).
    by_level: dict[str, int] = {}
    for heatmap in heatmaps:
        for row in heatmap["residual"]:
            for cell in row["cells"]:
                by_level[cell["level"]] = by_level.get(cell["level"], 0) + cell["count"]
    levels = [
        Figure(label, by_level.get(code, 0), link("risks", status=LIVE, residual_level=code))
        for code, label in reversed(level_choices())
    ]
    statuses = [
        Figure(label, counts[f"status_{code}"], link("risks", status=code))
        for code, label in RiskStatus.choices
    ]
    attention = [
        Figure(
            _("Above the risk criteria, not yet accepted"),
            counts["above_untreated"],
            link("risks", status=UNTREATED, above_criteria="true"),
            tone="warn",
        ),
        Figure(
            _("Treatment not decided"),
            counts["not_decided"],
            link("risks", status=UNTREATED, treatment_option=TreatmentOption.NOT_DECIDED),
            tone="warn",
        ),
        Figure(
            _("Acceptances expiring within 30 days"),
            counts["expiring"],
            link("risks", status=RiskStatus.ACCEPTED, acceptance_expiring="true"),
            tone="warn",
        ),
    ]
    # One residual map, as on the register: the default matrix's (else the most used), each
    # cell linked to the register filtered to exactly its live risks.
    shown = next((m for m in heatmaps if m["matrix"].is_default), None) or (
        heatmaps[0] if heatmaps else None
    )
    if shown is not None:
        matrix = shown["matrix"].pk
        for row in shown["residual"]:
            for cell in row["cells"]:
                cell["href"] = link(
                    "risks",
                    status=LIVE,
                    map=matrix,
                    matrix=matrix,
                    residual_likelihood=row["likelihood"],
                    residual_impact=cell["impact"],
                )
    return {
        "total": counts["live"],
        "total_url": link("risks", status=LIVE),
        "levels": levels,
        "statuses": statuses,
        "figures": attention,
        "heatmap": shown,
        "other_matrices": len(heatmaps) - (shown is not None),
    }


def _review_figures(request: HttpRequest) -> list[Figure]:
    # The risks still reviewed (``Risk.reminder_queryset``: not closed) past their date.
    return [
        Figure(
            _("Risks"),
            risk_counts(request.user)["overdue"],
            link("risks", status=LIVE, review_overdue="true"),
            tone="warn",
        )
    ]


def _assessment_evidence(user: Any) -> ClauseEvidence:
    counts = risk_counts(user)
    figures = (
        Figure(_("Risks assessed"), counts["live"], link("risks", status=LIVE)),
        Figure(
            _("Above the risk criteria"),
            counts["above"],
            link("risks", status=LIVE, above_criteria="true"),
        ),
        Figure(
            _("Review overdue"),
            counts["overdue"],
            link("risks", status=LIVE, review_overdue="true"),
            tone="warn",
        ),
    )
    last = timezone.localtime(counts["last_change"]).date() if counts["last_change"] else None
    summary = ngettext(
        "%(count)s risk assessed, %(above)s above the criteria, last change %(date)s.",
        "%(count)s risks assessed, %(above)s above the criteria, last change %(date)s.",
        counts["live"],
    ) % {"count": counts["live"], "above": counts["above"], "date": day(last)}
    if not counts["live"]:
        return ClauseEvidence(
            summary, figures, ConformanceStatus.NOT_STARTED, _("No risk has been assessed.")
        )
    if counts["overdue"]:
        return ClauseEvidence(
            summary, figures, ConformanceStatus.PARTIAL, _("Some risk reviews are overdue.")
        )
    return ClauseEvidence(
        summary,
        figures,
        ConformanceStatus.CONFORMANT,
        _("Risks are assessed and their reviews are up to date."),
    )


def _treatment_evidence(user: Any) -> ClauseEvidence:
    counts = risk_counts(user)
    figures = (
        Figure(
            _("Treatment not decided"),
            counts["not_decided"],
            link("risks", status=UNTREATED, treatment_option=TreatmentOption.NOT_DECIDED),
            tone="warn",
        ),
        Figure(
            _("Above the risk criteria, not yet accepted"),
            counts["above_untreated"],
            link("risks", status=UNTREATED, above_criteria="true"),
            tone="warn",
        ),
        Figure(
            _("Accepted"),
            counts[f"status_{RiskStatus.ACCEPTED}"],
            link("risks", status=RiskStatus.ACCEPTED),
        ),
        Figure(
            _("Acceptances expiring within 30 days"),
            counts["expiring"],
            link("risks", status=RiskStatus.ACCEPTED, acceptance_expiring="true"),
            tone="warn",
        ),
    )
    summary = _(
        "%(decided)s of %(count)s risks have a treatment decided, %(accepted)s accepted, "
        "%(above)s above the criteria still to be treated or accepted."
    ) % {
        "decided": counts["live"] - counts["not_decided"],
        "count": counts["live"],
        "accepted": counts[f"status_{RiskStatus.ACCEPTED}"],
        "above": counts["above_untreated"],
    }
    if not counts["live"]:
        return ClauseEvidence(
            summary, figures, ConformanceStatus.NOT_STARTED, _("There is no risk to treat.")
        )
    if counts["not_decided"] or counts["above_untreated"]:
        return ClauseEvidence(
            summary,
            figures,
            ConformanceStatus.PARTIAL,
            _("Some risks have no treatment decided or are above the criteria without acceptance."),
        )
    return ClauseEvidence(
        summary,
        figures,
        ConformanceStatus.CONFORMANT,
        _("Every risk has a treatment decided; risks above the criteria are treated or accepted."),
    )


def register() -> None:
    """From ``RiskConfig.ready``."""
    registry.add_dashboard_panel(
        DashboardPanel(
            code="risk_posture",
            label=gettext_lazy("Risk posture"),
            context=_posture_panel,
            template="risk/_dashboard.html",
            order=20,
            capability=Capability.SEE_RECORDS,
            lead_for=frozenset({Role.GOVERNANCE_OFFICER, Role.TOP_MANAGEMENT}),
        )
    )
    registry.add_dashboard_figures(
        DashboardFigures(panel="reviews", code="risks", figures=_review_figures, order=20)
    )
    registry.add_evidence_source(
        ConformanceEvidenceSource(
            code="risk_assessment",
            label=gettext_lazy("Risk register"),
            clauses=("6.1.2", "8.2"),
            evidence=_assessment_evidence,
            order=20,
        )
    )
    registry.add_evidence_source(
        ConformanceEvidenceSource(
            code="risk_treatment",
            label=gettext_lazy("Risk treatment and acceptance"),
            clauses=("6.1.3", "8.3"),
            evidence=_treatment_evidence,
            order=21,
        )
    )
