"""The certification readiness checks of the impact app's items (``aims.readiness``): the
impact assessment process (6.1.4) and its results (8.4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from aims.choices import ApprovalStatus
from aims.readiness import missing, present, stale
from aims.registry import ReadinessResult

REASSESSMENTS_DUE = ngettext_lazy(
    "%(count)s approved impact assessment is due for reassessment.",
    "%(count)s approved impact assessments are due for reassessment.",
    "count",
)


def _counts(today: date) -> dict[str, int]:
    from impact.models import ImpactAssessment

    approved = Q(status=ApprovalStatus.APPROVED)
    return ImpactAssessment.objects.aggregate(
        total=Count("pk"),
        approved=Count("pk", filter=approved),
        overdue=Count(
            "pk", filter=approved & (Q(reassessment_due=True) | Q(next_review_on__lt=today))
        ),
    )


def assessment_process(user: Any, today: date) -> ReadinessResult:
    url = reverse("impact_assessments")
    counts = _counts(today)
    if not counts["total"]:
        return missing(_("No impact assessment is recorded."), url)
    if not counts["approved"]:
        return stale(_("No impact assessment is approved yet."), url)
    return present(_("Impact assessments are carried out and approved."), url)


def assessment_results(user: Any, today: date) -> ReadinessResult:
    url = reverse("impact_assessments")
    counts = _counts(today)
    if not counts["approved"]:
        return missing(_("No approved impact assessment is on record."), url)
    if counts["overdue"]:
        return stale(REASSESSMENTS_DUE % {"count": counts["overdue"]}, url)
    return present(_("Approved impact assessments are current."), url)


def register() -> None:
    from aims.registry import registry

    registry.add_readiness_check("r-6.1.4-impact-assessment-process", assessment_process)
    registry.add_readiness_check("r-8.4-impact-assessment-results", assessment_results)
