"""What the risk register puts into the personal inbox (``aims.inbox``): treatment actions
assigned to me, and risks above the criteria whose acceptance was requested from me."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from aims.choices import InboxKind
from aims.inbox import InboxItem
from aims.registry import InboxSource
from aims.scope import VIEW, restrict
from risk.choices import ActionStatus, RiskStatus
from risk.models import AcceptanceRequest, Risk, TreatmentAction
from risk.services.acceptance import acceptable_by


def _person(user: Any) -> Any:
    return user if user is not None and user.is_authenticated and user.is_active else None


def assigned_actions(user: Any) -> QuerySet[TreatmentAction] | None:
    """Open treatment actions I own, on risks I may see."""
    person = _person(user)
    if person is None:
        return None
    rows = TreatmentAction.objects.select_related("risk").filter(
        owner_id=person.pk, status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS]
    )
    return restrict(rows, person, VIEW).order_by("due_on", "pk")


def action_item(action: TreatmentAction) -> InboxItem:
    due = action.due_on
    return InboxItem(
        kind=InboxKind.ACTION,
        source="action:risk.treatmentaction",
        record_type=str(TreatmentAction._meta.verbose_name).capitalize(),
        title=f"{action.risk.code} {action.title}",
        url=action.risk.get_absolute_url(),
        state=str(action.get_status_display()),
        due=due,
        overdue=due is not None and due < timezone.localdate(),
    )


def acceptances_waiting(user: Any) -> QuerySet[Risk] | None:
    """Risks above the criteria whose acceptance was requested and that I may accept."""
    person = _person(user)
    if person is None:
        return None
    requests = AcceptanceRequest.objects.filter(risk=OuterRef("pk"), closed_at__isnull=True)
    rows = (
        Risk.objects.select_related("matrix")
        .filter(Exists(requests))
        .exclude(status=RiskStatus.ACCEPTED)
    )
    return (
        acceptable_by(rows, person)
        .annotate(requested_at=Subquery(requests.values("requested_at")[:1]))
        .order_by("requested_at", "pk")
    )


def acceptance_item(risk: Any) -> InboxItem:
    return InboxItem(
        kind=InboxKind.ACCEPTANCE,
        source="acceptance:risk.risk",
        record_type=str(Risk._meta.verbose_name).capitalize(),
        title=str(risk),
        url=risk.get_absolute_url(),
        state=_("Residual level: %(level)s")
        % {"level": risk.matrix.level_label(risk.residual_level)},
        since=risk.requested_at,
    )


SOURCES = [
    InboxSource(
        "acceptance:risk.risk", InboxKind.ACCEPTANCE, acceptances_waiting, acceptance_item, 30
    ),
    InboxSource("action:risk.treatmentaction", InboxKind.ACTION, assigned_actions, action_item, 40),
]
