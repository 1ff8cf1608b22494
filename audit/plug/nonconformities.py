"""What the nonconformities part of the audit app adds to the core (called from
``AuditConfig.ready``): the navigation entry, review reminders (the response and action due
dates), the inbox sources (nonconformities to respond to, actions assigned to me,
verifications waiting for me), the dashboard panel (open nonconformities, overdue actions),
the evidence of clause 10.2 and the demo."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import InboxKind


def register() -> None:
    """Navigation, tabs, report kinds, reviewable models, inbox sources, demo loaders, hooks."""
    from aims.registry import (
        ConformanceEvidenceSource,
        DashboardPanel,
        InboxSource,
        NavEntry,
        registry,
    )
    from aims.roles import Capability
    from audit.models import CorrectiveAction, Nonconformity

    registry.add_nav(
        NavEntry(
            code="nonconformities",
            label=gettext_lazy("Nonconformities"),
            url_name="nonconformities",
            order=91,
            capability=Capability.SEE_RECORDS,
        )
    )
    registry.add_reviewable(Nonconformity)
    registry.add_reviewable(CorrectiveAction)
    registry.add_inbox_source(
        InboxSource("respond:audit.nonconformity", InboxKind.ACTION, to_respond, respond_item, 45)
    )
    registry.add_inbox_source(
        InboxSource("action:audit.correctiveaction", InboxKind.ACTION, my_actions, action_item, 46)
    )
    registry.add_inbox_source(
        InboxSource("verify:audit.nonconformity", InboxKind.APPROVAL, to_verify, verify_item, 47)
    )
    registry.add_dashboard_panel(
        DashboardPanel(
            code="nonconformities",
            label=gettext_lazy("Nonconformities"),
            context=dashboard_panel,
            order=60,
            capability=Capability.SEE_RECORDS,
        )
    )
    registry.add_evidence_source(
        ConformanceEvidenceSource(
            code="nonconformities",
            label=gettext_lazy("Nonconformities and corrective action"),
            clauses=("10.2",),
            evidence=clause_evidence,
            order=90,
        )
    )
    registry.add_demo_loader("nonconformities", load_demo, order=310)


def _person(user: Any) -> Any:
    return user if user is not None and user.is_authenticated and user.is_active else None


# --- Inbox --------------------------------------------------------------------------------------
def to_respond(user: Any) -> QuerySet[Any] | None:
    """Nonconformities I own that wait for my response (open or in progress)."""
    from aims.scope import VIEW, restrict
    from audit.models import Nonconformity
    from audit.services.nonconformities import WORKING

    person = _person(user)
    if person is None:
        return None
    rows = Nonconformity.objects.filter(owner_id=person.pk, status__in=WORKING)
    return restrict(rows, person, VIEW).order_by("due_on", "pk")


def respond_item(nc: Any) -> Any:
    from aims.inbox import InboxItem
    from audit.models import Nonconformity

    due = nc.due_on
    return InboxItem(
        kind=InboxKind.ACTION,
        source="respond:audit.nonconformity",
        record_type=str(Nonconformity._meta.verbose_name).capitalize(),
        title=str(nc),
        url=nc.get_absolute_url(),
        state=str(nc.get_status_display()),
        due=due,
        overdue=due is not None and due < timezone.localdate(),
    )


def my_actions(user: Any) -> QuerySet[Any] | None:
    """Corrective actions I own, still planned or in progress, of nonconformities being
    worked on."""
    from aims.scope import VIEW, restrict
    from audit.models import CorrectiveAction
    from audit.selectors.nonconformities import OPEN_ACTIONS
    from audit.services.nonconformities import WORKING

    person = _person(user)
    if person is None:
        return None
    rows = CorrectiveAction.objects.select_related("nonconformity").filter(
        owner_id=person.pk, status__in=OPEN_ACTIONS, nonconformity__status__in=WORKING
    )
    return restrict(rows, person, VIEW).order_by("due_on", "pk")


def action_item(action: Any) -> Any:
    from aims.inbox import InboxItem
    from audit.models import CorrectiveAction

    due = action.due_on
    return InboxItem(
        kind=InboxKind.ACTION,
        source="action:audit.correctiveaction",
        record_type=str(CorrectiveAction._meta.verbose_name).capitalize(),
        title=f"{action.nonconformity.reference} {action.title}",
        url=action.nonconformity.get_absolute_url(),
        state=str(action.get_status_display()),
        due=due,
        overdue=due is not None and due < timezone.localdate(),
    )


def to_verify(user: Any) -> QuerySet[Any] | None:
    """Nonconformities awaiting the verification I may give (an internal auditor or the
    officer who owns neither the nonconformity nor one of its actions)."""
    from aims.scope import VIEW, restrict
    from audit.choices import NonconformityStatus
    from audit.models import CorrectiveAction, Nonconformity
    from audit.services.nonconformities import runs_audits

    person = _person(user)
    if person is None or not runs_audits(person):
        return None
    mine = CorrectiveAction.objects.filter(nonconformity=OuterRef("pk"), owner_id=person.pk)
    rows = (
        Nonconformity.objects.filter(
            status=NonconformityStatus.AWAITING_VERIFICATION, verification_result=""
        )
        .exclude(owner_id=person.pk)
        .exclude(Exists(mine))
    )
    return restrict(rows, person, VIEW).order_by("updated_at", "pk")


def verify_item(nc: Any) -> Any:
    from aims.inbox import InboxItem
    from audit.models import Nonconformity

    return InboxItem(
        kind=InboxKind.APPROVAL,
        source="verify:audit.nonconformity",
        record_type=str(Nonconformity._meta.verbose_name).capitalize(),
        title=str(nc),
        url=nc.get_absolute_url(),
        state=_("Effectiveness verification requested"),
        since=nc.updated_at,
    )


# --- Dashboard and clause 10.2 ------------------------------------------------------------------
def _figures(user: Any) -> tuple[dict[str, int], list[Any]]:
    from aims.dashboard import link
    from aims.registry import Figure
    from audit.choices import NonconformityStatus
    from audit.selectors.nonconformities import OPEN_NCS, nonconformity_counts

    counts = nonconformity_counts(user)
    figures = [
        Figure(
            _("Open nonconformities"),
            counts["open"],
            link("nonconformities", status=[str(s) for s in OPEN_NCS]),
        ),
        Figure(
            _("Nonconformities overdue"),
            counts["overdue"],
            link("nonconformities", overdue="true"),
            tone="warn",
        ),
        Figure(
            _("Awaiting verification"),
            counts["awaiting"],
            link("nonconformities", status=str(NonconformityStatus.AWAITING_VERIFICATION)),
            tone="warn",
        ),
        Figure(
            _("Corrective actions overdue"),
            counts["actions_overdue"],
            link("corrective_actions", overdue="true"),
            tone="warn",
        ),
    ]
    return counts, figures


def dashboard_panel(request: HttpRequest) -> dict[str, Any] | None:
    _counts, figures = _figures(request.user)
    return {"figures": figures, "empty": _("No nonconformities.")}


def clause_evidence(user: Any) -> Any:
    from aims.choices import ConformanceStatus
    from aims.registry import ClauseEvidence

    counts, figures = _figures(user)
    summary = _(
        "%(total)s nonconformities recorded: %(open)s open (%(overdue)s overdue), %(closed)s "
        "closed after an effective verification; %(actions)s corrective actions overdue."
    ) % {
        "total": counts["total"],
        "open": counts["open"],
        "overdue": counts["overdue"],
        "closed": counts["closed"],
        "actions": counts["actions_overdue"],
    }
    if not counts["total"]:
        return ClauseEvidence(
            summary,
            tuple(figures),
            None,
            _("No nonconformity is recorded yet: the process is shown by its first one."),
        )
    if counts["overdue"] or counts["actions_overdue"]:
        return ClauseEvidence(
            summary,
            tuple(figures),
            ConformanceStatus.PARTIAL,
            _("Some nonconformities or corrective actions are overdue."),
        )
    return ClauseEvidence(
        summary,
        tuple(figures),
        ConformanceStatus.CONFORMANT,
        _("Nonconformities are responded to and their actions are on time."),
    )


def load_demo(*, users: dict[str, Any]) -> None:
    """The demo nonconformities for ``manage.py load_demo`` (Japanese)."""
    from django.utils import translation

    from audit.demo import nonconformities

    with translation.override("ja"):
        nonconformities.load(users=users)
