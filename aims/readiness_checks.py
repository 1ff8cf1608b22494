"""The readiness checks of the items the core's records hold (``aims.readiness``): the AIMS
scope (4.3), the AI policy (5.2), the objectives (6.2), competence (7.2), the control of
documented information (7.5) and the monitoring results (9.1). Each runs a fixed number of
aggregate queries, whatever the number of rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from aims.choices import ApprovalStatus, DocumentKind, ObjectiveStatus
from aims.readiness import missing, present, stale
from aims.registry import ReadinessResult, registry

#: Results older than this no longer show that the AIMS is monitored.
YEAR = timedelta(days=365)

UNAPPROVED_DOCUMENTS = ngettext_lazy(
    "%(count)s document has no approved version.",
    "%(count)s documents have no approved version.",
    "count",
)
DOCUMENTS_OVERDUE = ngettext_lazy(
    "%(count)s document is past its review date.",
    "%(count)s documents are past their review date.",
    "count",
)
OBJECTIVES_OVERDUE = ngettext_lazy(
    "%(count)s objective is past its due date.",
    "%(count)s objectives are past their due date.",
    "count",
)
ROLES_WITHOUT_PEOPLE = ngettext_lazy(
    "%(count)s role has nobody with a competence record.",
    "%(count)s roles have nobody with a competence record.",
    "count",
)
PEOPLE_NOT_COMPETENT = ngettext_lazy(
    "%(count)s person is in training or has a competence gap.",
    "%(count)s people are in training or have a competence gap.",
    "count",
)
COMPETENCE_OVERDUE = ngettext_lazy(
    "%(count)s competence record is past its review date.",
    "%(count)s competence records are past their review date.",
    "count",
)


def scope(user: Any, today: date) -> ReadinessResult:
    from aims.models import AISystem, Organization

    url = reverse("context")
    if not Organization.objects.exclude(scope_statement="").exists():
        return missing(_("No AIMS scope statement is recorded."), url)
    if not AISystem.objects.filter(retired_at__isnull=True).exists():
        return stale(_("The scope is stated, but no AI system is in the inventory."), url)
    return present(_("The scope is stated and the inventory lists the AI systems."), url)


def _document_counts(kind: str | None, today: date) -> dict[str, int]:
    from aims.models import Document, DocumentVersion

    approved = DocumentVersion.objects.filter(
        document=OuterRef("pk"), status=ApprovalStatus.APPROVED
    )
    rows = Document.objects.all() if kind is None else Document.objects.filter(kind=kind)
    return rows.annotate(approved=Exists(approved)).aggregate(
        total=Count("pk"),
        unapproved=Count("pk", filter=Q(approved=False)),
        overdue=Count("pk", filter=Q(next_review_on__lt=today)),
    )


def policy(user: Any, today: date) -> ReadinessResult:
    url = reverse("documents") + f"?kind={DocumentKind.AI_POLICY}"
    counts = _document_counts(DocumentKind.AI_POLICY, today)
    if not counts["total"]:
        return missing(_("No AI policy document is recorded."), url)
    if counts["unapproved"] == counts["total"]:
        return stale(_("The AI policy has no approved version."), url)
    if counts["overdue"]:
        return stale(_("The AI policy is past its review date."), url)
    return present(_("The AI policy has an approved version."), url)


def documented_information(user: Any, today: date) -> ReadinessResult:
    url = reverse("documents")
    counts = _document_counts(None, today)
    if not counts["total"]:
        return missing(_("The document register is empty."), url)
    if counts["unapproved"]:
        return stale(UNAPPROVED_DOCUMENTS % {"count": counts["unapproved"]}, url)
    if counts["overdue"]:
        return stale(DOCUMENTS_OVERDUE % {"count": counts["overdue"]}, url)
    return present(_("Every document has an approved version."), url)


def objectives(user: Any, today: date) -> ReadinessResult:
    from aims.models import Objective

    url = reverse("objectives")
    counts = Objective.objects.exclude(status=ObjectiveStatus.CANCELLED).aggregate(
        total=Count("pk"),
        overdue=Count(
            "pk",
            filter=Q(due_on__lt=today)
            & Q(status__in=[ObjectiveStatus.PLANNED, ObjectiveStatus.IN_PROGRESS]),
        ),
    )
    if not counts["total"]:
        return missing(_("No AI objective is recorded."), url)
    if counts["overdue"]:
        return stale(OBJECTIVES_OVERDUE % {"count": counts["overdue"]}, url)
    return present(_("AI objectives are recorded and none is overdue."), url)


def monitoring_results(user: Any, today: date) -> ReadinessResult:
    from aims.models import ObjectiveResult

    url = reverse("objectives")
    latest = ObjectiveResult.objects.aggregate(latest=Max("measured_on"))["latest"]
    if latest is None:
        return missing(_("No result of the objectives is measured."), url)
    if latest < today - YEAR:
        return stale(_("The latest result was measured more than a year ago."), url)
    return present(_("Results were measured within the last year."), url)


def competence(user: Any, today: date) -> ReadinessResult:
    from aims.models import CompetenceRecord, CompetenceRole, CompetenceState

    url = reverse("competence")
    roles = CompetenceRole.objects.annotate(people=Count("records")).aggregate(
        total=Count("pk"), empty=Count("pk", filter=Q(people=0))
    )
    if not roles["total"]:
        return missing(_("No role states its required competence."), url)
    if roles["empty"]:
        return stale(ROLES_WITHOUT_PEOPLE % {"count": roles["empty"]}, url)
    records = CompetenceRecord.objects.aggregate(
        gaps=Count("pk", filter=~Q(state=CompetenceState.COMPETENT)),
        overdue=Count("pk", filter=Q(next_review_on__lt=today)),
    )
    if records["gaps"]:
        return stale(PEOPLE_NOT_COMPETENT % {"count": records["gaps"]}, url)
    if records["overdue"]:
        return stale(COMPETENCE_OVERDUE % {"count": records["overdue"]}, url)
    return present(_("Every role has competent people with current records."), url)


def register() -> None:
    """The core's readiness checks, the competence register's navigation, reminders and
    evidence, and the readiness page's navigation entry (for who sees all records)."""
    from aims.models import CompetenceRecord, CompetenceRole
    from aims.registry import NavEntry
    from aims.roles import Capability

    for item_id, check in (
        ("r-4.3-scope", scope),
        ("r-5.2-policy", policy),
        ("r-6.2-objectives", objectives),
        ("r-7.2-competence", competence),
        ("r-7.5-documented-information", documented_information),
        ("r-9.1-monitoring-results", monitoring_results),
    ):
        registry.add_readiness_check(item_id, check)
    registry.add_nav(
        NavEntry(
            code="competence", label=gettext_lazy("Competence"), url_name="competence", order=35
        )
    )
    registry.add_nav(
        NavEntry(
            code="readiness",
            label=gettext_lazy("Certification readiness"),
            url_name="readiness",
            order=890,
            capability=Capability.SEE_ALL_RECORDS,
        )
    )
    registry.add_reviewable(CompetenceRole)
    registry.add_reviewable(CompetenceRecord)
    registry.add_demo_loader("competence", load_demo, order=20)


def load_demo(*, users: dict[str, Any]) -> None:
    from django.utils import translation

    from aims.management import demo_competence

    with translation.override("ja"):
        demo_competence.load(users=users)
