"""The certification readiness checks of the audit app's items (``aims.readiness``): the
audit programme and results (9.2), management review results (9.3), nonconformities and the
results of corrective action (10.2)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from aims.choices import ApprovalStatus
from aims.readiness import missing, present, stale
from aims.registry import ReadinessResult

YEAR = timedelta(days=365)

CORRECTIVE_ACTIONS_OVERDUE = ngettext_lazy(
    "%(count)s corrective action is overdue.",
    "%(count)s corrective actions are overdue.",
    "count",
)


def audits(user: Any, today: date) -> ReadinessResult:
    from audit.models import AuditProgramme, AuditReport

    url = reverse("audit_programmes")
    programmes = AuditProgramme.objects.aggregate(
        total=Count("pk"), approved=Count("pk", filter=Q(status=ApprovalStatus.APPROVED))
    )
    if not programmes["total"]:
        return missing(_("No internal audit programme is recorded."), url)
    if not programmes["approved"]:
        return stale(_("The audit programme has no approved version."), url)
    recent = AuditReport.objects.filter(
        status=ApprovalStatus.APPROVED, approved_at__date__gte=today - YEAR
    )
    if not recent.exists():
        return stale(_("No internal audit report was issued within the last year."), url)
    return present(_("The programme is approved and an audit report of the year issued."), url)


def management_review(user: Any, today: date) -> ReadinessResult:
    from audit.models import ManagementReview

    url = reverse("management_reviews")
    counts = ManagementReview.objects.aggregate(
        total=Count("pk"),
        recent=Count("pk", filter=Q(status=ApprovalStatus.APPROVED, held_on__gte=today - YEAR)),
    )
    if not counts["total"]:
        return missing(_("No management review is recorded."), url)
    if not counts["recent"]:
        return stale(_("No management review of the last year is signed off."), url)
    return present(_("A management review of the last year is signed off."), url)


def nonconformities(user: Any, today: date) -> ReadinessResult:
    from audit.choices import ActionStatus, AuditStatus
    from audit.models import Audit, CorrectiveAction, Nonconformity

    url = reverse("nonconformities")
    if not Nonconformity.objects.exists():
        done = Audit.objects.filter(status__in=[AuditStatus.REPORTED, AuditStatus.CLOSED])
        if done.exists():
            return present(_("Audits are reported and no nonconformity is open."), url)
        return missing(_("No nonconformity register is kept yet (no audit reported)."), url)
    overdue = CorrectiveAction.objects.filter(
        due_on__lt=today, status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS]
    ).count()
    if overdue:
        return stale(CORRECTIVE_ACTIONS_OVERDUE % {"count": overdue}, reverse("corrective_actions"))
    return present(_("Nonconformities are recorded and no corrective action is overdue."), url)


def register() -> None:
    from aims.registry import registry

    registry.add_readiness_check("r-9.2-audit-programme-and-results", audits)
    registry.add_readiness_check("r-9.3-management-review-results", management_review)
    registry.add_readiness_check("r-10.2-nonconformities", nonconformities)
