"""The certification readiness checks of the risk app's items (``aims.readiness``): the risk
assessment process (6.1.2), and the results of risk assessment (8.2) and treatment (8.3)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from aims.readiness import missing, present, stale
from aims.registry import ReadinessResult

RISKS_OVERDUE = ngettext_lazy(
    "%(count)s risk is past its review date.",
    "%(count)s risks are past their review date.",
    "count",
)
ACTIONS_OVERDUE = ngettext_lazy(
    "%(count)s treatment action is overdue.",
    "%(count)s treatment actions are overdue.",
    "count",
)


def assessment_process(user: Any, today: date) -> ReadinessResult:
    from risk.models import Risk, RiskCriteria, RiskMatrix

    url = reverse("risk_matrices")
    with_criteria = RiskMatrix.objects.filter(
        Exists(RiskCriteria.objects.filter(matrix=OuterRef("pk")))
    )
    if not with_criteria.exists():
        return missing(_("No risk matrix with acceptance criteria is defined."), url)
    if not Risk.objects.exists():
        return stale(_("The method is defined, but no risk is assessed with it."), reverse("risks"))
    return present(_("A risk matrix with acceptance criteria is in use."), url)


def assessment_results(user: Any, today: date) -> ReadinessResult:
    from risk.choices import RiskStatus
    from risk.models import Risk

    url = reverse("risks")
    counts = Risk.objects.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(next_review_on__lt=today) & ~Q(status=RiskStatus.CLOSED)),
    )
    if not counts["total"]:
        return missing(_("The risk register is empty."), url)
    if counts["overdue"]:
        return stale(RISKS_OVERDUE % {"count": counts["overdue"]}, url)
    return present(_("Risks are assessed and none is past its review date."), url)


def treatment_results(user: Any, today: date) -> ReadinessResult:
    from risk.choices import ActionStatus
    from risk.models import TreatmentAction

    url = reverse("risks")
    counts = TreatmentAction.objects.aggregate(
        total=Count("pk"),
        overdue=Count(
            "pk",
            filter=Q(due_on__lt=today)
            & Q(status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS]),
        ),
    )
    if not counts["total"]:
        return missing(_("No risk treatment action is recorded."), url)
    if counts["overdue"]:
        return stale(ACTIONS_OVERDUE % {"count": counts["overdue"]}, url)
    return present(_("Treatment actions are recorded and none is overdue."), url)


def register() -> None:
    from aims.registry import registry

    registry.add_readiness_check("r-6.1.2-risk-assessment-process", assessment_process)
    registry.add_readiness_check("r-8.2-risk-assessment-results", assessment_results)
    registry.add_readiness_check("r-8.3-risk-treatment-results", treatment_results)
