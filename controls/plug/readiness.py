"""The certification readiness checks of the controls app's items (``aims.readiness``): the
risk treatment process and the Statement of Applicability (6.1.3), and the operational
records (8.1): controls in operation and their current evidence."""

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

EVIDENCE_EXPIRED = ngettext_lazy(
    "%(count)s piece of evidence has expired.",
    "%(count)s pieces of evidence have expired.",
    "count",
)


def soa(user: Any, today: date) -> ReadinessResult:
    from controls.models import StatementOfApplicability

    url = reverse("soa")
    approved = Q(status=ApprovalStatus.APPROVED)
    counts = StatementOfApplicability.objects.aggregate(
        total=Count("pk"),
        approved=Count("pk", filter=approved),
        overdue=Count("pk", filter=approved & Q(next_review_on__lt=today)),
    )
    if not counts["total"]:
        return missing(_("No Statement of Applicability is started."), url)
    if not counts["approved"]:
        return stale(_("The Statement of Applicability has no approved version."), url)
    if counts["overdue"]:
        return stale(_("The approved Statement of Applicability is past its review date."), url)
    return present(_("The Statement of Applicability has an approved version."), url)


def operational_records(user: Any, today: date) -> ReadinessResult:
    from controls.choices import ControlStatus
    from controls.models import Control, Evidence

    if not Control.objects.filter(status=ControlStatus.OPERATING).exists():
        return missing(_("No control is in operation."), reverse("controls"))
    url = reverse("evidence_list")
    counts = Evidence.objects.aggregate(
        total=Count("pk", filter=Q(current_version__isnull=False)),
        expired=Count("pk", filter=Q(valid_until__lt=today)),
    )
    if not counts["total"]:
        return missing(_("No evidence of operation is uploaded."), url)
    if counts["expired"]:
        return stale(EVIDENCE_EXPIRED % {"count": counts["expired"]}, url)
    return present(_("Controls operate and their evidence is current."), url)


def register() -> None:
    from aims.registry import registry

    registry.add_readiness_check("r-6.1.3-treatment-and-soa", soa)
    registry.add_readiness_check("r-8.1-operational-records", operational_records)
