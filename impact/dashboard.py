"""What the impact app adds to the dashboard and to clause conformance: assessments due for
reassessment, awaiting the user's review and overdue for review, and the live evidence of
6.1.4 / 8.4 (approved impact assessments).

Each figure counts only the assessments the user may see and links to the list filtered to
exactly those (``impact.filters.ImpactAssessmentFilter`` takes every parameter used here)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from aims.choices import ApprovalStatus, ConformanceStatus, Role
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

APPROVED = ApprovalStatus.APPROVED


def _assessments(user: Any) -> Any:
    from impact.models import ImpactAssessment

    return restrict(ImpactAssessment.objects.all(), user)


def impact_counts(user: Any) -> dict[str, Any]:
    """The counts of the panel and the evidence, in one query (once per pass)."""
    return shared(("impact_counts", user.pk), lambda: _impact_counts(user))


def _impact_counts(user: Any) -> dict[str, Any]:
    approved = Q(status=APPROVED)
    return _assessments(user).aggregate(
        approved=Count("pk", filter=approved),
        reassessment=Count("pk", filter=approved & Q(reassessment_due=True)),
        overdue=Count("pk", filter=approved & Q(next_review_on__lt=timezone.localdate())),
        in_review=Count("pk", filter=Q(status=ApprovalStatus.IN_REVIEW)),
        drafts=Count("pk", filter=Q(status=ApprovalStatus.DRAFT)),
        last_approved=Max("approved_at"),
    )


def _panel(request: HttpRequest) -> dict[str, Any] | None:
    counts = impact_counts(request.user)
    figures = [
        Figure(
            _("Due for reassessment"),
            counts["reassessment"],
            link("impact_assessments", status=APPROVED, reassessment_due="true"),
            tone="warn",
        ),
        Figure(
            _("In review"),
            counts["in_review"],
            link("impact_assessments", status=ApprovalStatus.IN_REVIEW),
        ),
        Figure(
            _("Drafts"), counts["drafts"], link("impact_assessments", status=ApprovalStatus.DRAFT)
        ),
        Figure(_("Approved"), counts["approved"], link("impact_assessments", status=APPROVED)),
    ]
    return {"figures": figures}


def _approval_figures(request: HttpRequest) -> list[Figure]:
    from aims.services.approval import reviewable_by

    count = reviewable_by(_assessments(request.user), request.user).count()
    return [
        Figure(
            _("Impact assessments"),
            count,
            link("impact_assessments", to_review="true"),
            tone="warn",
        )
    ]


def _review_figures(request: HttpRequest) -> list[Figure]:
    # The assessments reviewed (``ImpactAssessment.reminder_queryset``: approved) past due.
    return [
        Figure(
            _("Impact assessments"),
            impact_counts(request.user)["overdue"],
            link("impact_assessments", status=APPROVED, review_overdue="true"),
            tone="warn",
        )
    ]


def _evidence(user: Any) -> ClauseEvidence:
    from aims.models import AISystem
    from impact.models import ImpactAssessment

    counts = impact_counts(user)
    approved = ImpactAssessment.objects.filter(ai_system=OuterRef("pk"), status=APPROVED)
    uncovered = (
        restrict(AISystem.objects.filter(retired_at__isnull=True), user)
        .exclude(Exists(approved))
        .count()
    )
    figures = (
        Figure(
            _("Approved impact assessments"),
            counts["approved"],
            link("impact_assessments", status=APPROVED),
        ),
        Figure(
            _("Due for reassessment"),
            counts["reassessment"],
            link("impact_assessments", status=APPROVED, reassessment_due="true"),
            tone="warn",
        ),
        Figure(
            _("Review overdue"),
            counts["overdue"],
            link("impact_assessments", status=APPROVED, review_overdue="true"),
            tone="warn",
        ),
    )
    last = timezone.localtime(counts["last_approved"]).date() if counts["last_approved"] else None
    summary = ngettext(
        "%(count)s approved impact assessment (last approved %(date)s); "
        "%(uncovered)s AI systems in use have none.",
        "%(count)s approved impact assessments (last approved %(date)s); "
        "%(uncovered)s AI systems in use have none.",
        counts["approved"],
    ) % {"count": counts["approved"], "date": day(last), "uncovered": uncovered}
    if not counts["approved"]:
        return ClauseEvidence(
            summary,
            figures,
            ConformanceStatus.NOT_STARTED,
            _("No impact assessment is approved."),
        )
    if uncovered or counts["reassessment"] or counts["overdue"]:
        return ClauseEvidence(
            summary,
            figures,
            ConformanceStatus.PARTIAL,
            _(
                "Some AI systems have no approved assessment, or an assessment is due for "
                "reassessment or review."
            ),
        )
    return ClauseEvidence(
        summary,
        figures,
        ConformanceStatus.CONFORMANT,
        _("Every AI system in use has an approved, current impact assessment."),
    )


def register() -> None:
    """From ``ImpactConfig.ready``."""
    registry.add_dashboard_panel(
        DashboardPanel(
            code="impact",
            label=gettext_lazy("Impact assessments"),
            context=_panel,
            order=30,
            capability=Capability.SEE_RECORDS,
            lead_for=frozenset({Role.OPERATIONAL_MEMBER}),
        )
    )
    registry.add_dashboard_figures(
        DashboardFigures(panel="approvals", code="impact", figures=_approval_figures, order=30)
    )
    registry.add_dashboard_figures(
        DashboardFigures(panel="reviews", code="impact", figures=_review_figures, order=30)
    )
    registry.add_evidence_source(
        ConformanceEvidenceSource(
            code="impact_assessment",
            label=gettext_lazy("Impact assessments"),
            clauses=("6.1.4", "8.4"),
            evidence=_evidence,
            order=30,
        )
    )
