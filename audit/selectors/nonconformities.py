"""Every read of nonconformities and corrective actions. The list reads are restricted to what
the user may see (``aims.scope.restrict``); ``nonconformities()`` and ``corrective_actions()``
shape rows for the base views, which restrict them."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from aims.counts import count_of
from aims.models import AISystem
from aims.scope import VIEW, restrict
from audit.choices import ActionStatus, NonconformityStatus
from audit.models import CorrectiveAction, Nonconformity

OPEN_ACTIONS = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
OPEN_NCS = (
    NonconformityStatus.OPEN,
    NonconformityStatus.IN_PROGRESS,
    NonconformityStatus.AWAITING_VERIFICATION,
)


def nc_overdue_condition(today: Any = None) -> Q:
    """A nonconformity not closed whose response was due before today."""
    today = today or timezone.localdate()
    return Q(due_on__lt=today) & ~Q(status=NonconformityStatus.CLOSED)


def action_overdue_condition(today: Any = None) -> Q:
    """A corrective action still planned or in progress past its due date."""
    today = today or timezone.localdate()
    return Q(due_on__lt=today, status__in=OPEN_ACTIONS)


def nonconformities() -> QuerySet[Nonconformity]:
    """Nonconformities with what their lists show: the owner, the requirement, the AI systems,
    how many actions (and open ones) and whether overdue (rows: ``restrict``)."""
    overdue_actions = CorrectiveAction.objects.filter(
        action_overdue_condition(), nonconformity=OuterRef("pk")
    )
    return (
        Nonconformity.objects.select_related("owner", "requirement", "finding")
        .prefetch_related(
            Prefetch("ai_systems", queryset=AISystem.objects.only("id", "name", "version"))
        )
        .annotate(
            action_count=count_of(CorrectiveAction.objects.all(), "nonconformity"),
            open_action_count=count_of(
                CorrectiveAction.objects.filter(status__in=OPEN_ACTIONS), "nonconformity"
            ),
            overdue=Case(
                When(nc_overdue_condition(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            has_overdue_action=Exists(overdue_actions),
        )
    )


def nonconformity_details() -> QuerySet[Nonconformity]:
    """Nonconformities with everything a nonconformity's page reads."""
    return (
        nonconformities()
        .select_related("verified_by", "finding__audit")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=corrective_actions().order_by("due_on", "id"),
            )
        )
    )


def nonconformities_list(user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Any]:
    """The nonconformities ``user`` may see, narrowed by ``filters``
    (``audit.filters.nonconformities.NonconformityFilter``; invalid ones are ignored)."""
    rows = restrict(nonconformities(), user, VIEW)
    if filters:
        from audit.filters.nonconformities import NonconformityFilter

        filterset = NonconformityFilter(filters, queryset=rows, user=user)
        if filterset.is_valid():
            rows = filterset.qs
    return rows


def board(rows: QuerySet[Nonconformity]) -> list[tuple[str, Any, list[Nonconformity]]]:
    """``rows`` as the board's columns, one per status (code, label, rows by due date): one
    query for the rows (their systems: one more)."""
    ordered = list(rows.order_by("due_on", "-raised_on", "id")[:500])
    columns = []
    for status in NonconformityStatus:
        columns.append(
            (status.value, status.label, [nc for nc in ordered if nc.status == status.value])
        )
    return columns


def corrective_actions() -> QuerySet[CorrectiveAction]:
    """Corrective actions with their nonconformity and owner, and whether overdue."""
    return CorrectiveAction.objects.select_related("nonconformity", "owner").annotate(
        overdue=Case(
            When(action_overdue_condition(), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def corrective_actions_list(user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Any]:
    rows = restrict(corrective_actions(), user, VIEW)
    if filters:
        from audit.filters.nonconformities import CorrectiveActionFilter

        filterset = CorrectiveActionFilter(filters, queryset=rows, user=user)
        if filterset.is_valid():
            rows = filterset.qs
    return rows


def nonconformity_counts(user: Any) -> dict[str, int]:
    """Open, overdue and awaiting-verification nonconformities and overdue actions that
    ``user`` may see (two queries)."""
    ncs = restrict(Nonconformity.objects.all(), user, VIEW).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_NCS)),
        overdue=Count("pk", filter=nc_overdue_condition()),
        awaiting=Count("pk", filter=Q(status=NonconformityStatus.AWAITING_VERIFICATION)),
        closed=Count("pk", filter=Q(status=NonconformityStatus.CLOSED)),
        total=Count("pk"),
    )
    actions = restrict(CorrectiveAction.objects.all(), user, VIEW).aggregate(
        overdue=Count("pk", filter=action_overdue_condition()),
        open=Count("pk", filter=Q(status__in=OPEN_ACTIONS)),
    )
    return {
        **ncs,
        "actions_overdue": actions["overdue"],
        "actions_open": actions["open"],
    }
