"""What the review part of the audit app adds to the core (called from
``AuditConfig.ready``): the navigation entry, the pack as a report kind, review actions as
reviewable records (due dates), the inbox sources (sign-off waiting for top management, a
review returned to its author, review actions assigned to me), the dashboard figure "last
management review", the live evidence of 9.3 and the demo review."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import ApprovalStatus, ConformanceStatus, InboxKind
from aims.dashboard import day, link, shared
from aims.registry import (
    ClauseEvidence,
    ConformanceEvidenceSource,
    DashboardFigures,
    Figure,
    InboxSource,
    NavEntry,
    registry,
)

#: A management review is expected at least once in this many days (the dashboard warns).
REVIEW_EXPECTED_DAYS = 365
SIGNED = (ApprovalStatus.APPROVED, ApprovalStatus.SUPERSEDED)


def last_review(user: Any) -> dict[str, Any]:
    """The latest signed review ``user`` sees and how many were signed in the last twelve
    months (two queries, once per page)."""
    return shared(("last_management_review", getattr(user, "pk", None)), lambda: _last(user))


def _last(user: Any) -> dict[str, Any]:
    from django.urls import reverse

    from aims.scope import restrict
    from audit.models import ManagementReview

    rows = restrict(ManagementReview.objects.filter(status__in=SIGNED), user).order_by(
        "-held_on", "-number"
    )
    since = timezone.localdate() - timedelta(days=REVIEW_EXPECTED_DAYS)
    fields = ("pk", "code", "held_on")
    # Signed reviews are few (a few a year, with their corrections): the latest hundred,
    # in one query, hold the last one and those of the last twelve months.
    latest = list(rows.values(*fields)[:100])
    recent = [row for row in latest if row["held_on"] >= since]
    last = latest[0] if latest else None
    if last is not None:
        last["url"] = reverse("management_review", args=[last["pk"]])
    return {"last": last, "recent": len({row["code"] for row in recent})}


def _figures(request: Any) -> list[Figure]:
    state = last_review(request.user)
    last = state["last"]
    if last is None:
        return [
            Figure(
                _("Management reviews in the last 12 months (none signed yet)"),
                0,
                link("management_reviews"),
                tone="warn",
            )
        ]
    return [
        Figure(
            _("Management reviews in the last 12 months (last held on %(date)s)")
            % {"date": day(last["held_on"])},
            state["recent"],
            last["url"],
            tone="" if state["recent"] else "warn",
        )
    ]


def _evidence(user: Any) -> ClauseEvidence:
    state = last_review(user)
    last = state["last"]
    figures = (
        Figure(
            _("Management reviews signed in the last 12 months"),
            state["recent"],
            link("management_reviews"),
            tone="" if state["recent"] else "warn",
        ),
    )
    if last is None:
        return ClauseEvidence(
            _("No management review has been signed off yet."),
            figures,
            ConformanceStatus.NOT_STARTED,
            _("Hold a management review and have top management sign it off."),
        )
    summary = _("Management review %(code)s held on %(date)s, signed off by top management.") % {
        "code": last["code"],
        "date": day(last["held_on"]),
    }
    if not state["recent"]:
        return ClauseEvidence(
            summary,
            figures,
            ConformanceStatus.PARTIAL,
            _("No management review was signed off in the last 12 months."),
        )
    return ClauseEvidence(
        summary,
        figures,
        ConformanceStatus.CONFORMANT,
        _("A management review was signed off within the last 12 months."),
    )


def _person(user: Any) -> Any:
    return user if user is not None and user.is_authenticated and user.is_active else None


def assigned_actions(user: Any) -> QuerySet[Any] | None:
    """Open actions of management reviews I own, on reviews I may see."""
    from aims.scope import VIEW, restrict
    from audit.choices import ActionStatus
    from audit.models import ReviewAction

    person = _person(user)
    if person is None:
        return None
    rows = ReviewAction.objects.select_related("review").filter(
        owner_id=person.pk,
        status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS],
        review__status__in=SIGNED,
    )
    return restrict(rows, person, VIEW).order_by("due_on", "pk")


def action_item(action: Any) -> Any:
    from aims.inbox import InboxItem
    from audit.models import ReviewAction

    due = action.due_on
    return InboxItem(
        kind=InboxKind.ACTION,
        source="action:audit.reviewaction",
        record_type=str(ReviewAction._meta.verbose_name).capitalize(),
        title=f"{action.review.code} {action.title}",
        url=action.review.get_absolute_url(),
        state=str(action.get_status_display()),
        due=due,
        overdue=due is not None and due < timezone.localdate(),
    )


def register() -> None:
    """Navigation, report kind, reviewable model, inbox sources, dashboard, evidence, demo."""
    from aims.inbox import approval_sources
    from audit.models import ManagementReview, ReviewAction
    from audit.reports.review import MANAGEMENT_REVIEW

    registry.add_nav(
        NavEntry(
            code="management_reviews",
            label=gettext_lazy("Management reviews"),
            url_name="management_reviews",
            order=92,
        )
    )
    registry.add_report_kind(MANAGEMENT_REVIEW)
    registry.add_reviewable(ReviewAction)
    for source in approval_sources(ManagementReview, order=27):
        registry.add_inbox_source(source)
    registry.add_inbox_source(
        InboxSource(
            "action:audit.reviewaction", InboxKind.ACTION, assigned_actions, action_item, 45
        )
    )
    registry.add_dashboard_figures(
        DashboardFigures(panel="reviews", code="management_review", figures=_figures, order=60)
    )
    registry.add_evidence_source(
        ConformanceEvidenceSource(
            code="management_review",
            label=gettext_lazy("Management review"),
            clauses=("9.3.1", "9.3.2", "9.3.3"),
            evidence=_evidence,
            order=60,
        )
    )
    registry.add_demo_loader("management_review", load_demo, order=320)


def load_demo(*, users: dict[str, Any]) -> None:
    """The demo management review for ``manage.py load_demo`` (Japanese)."""
    from django.utils import translation

    from audit.demo import review

    with translation.override("ja"):
        review.load(users=users)
