"""Every read of the organisation's controls. ``controls_list`` and the detail reads are
restricted to what the user may see (``aims.scope.restrict``); ``controls()`` shapes rows for
the base views, which restrict them."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    DateField,
    F,
    Func,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Least
from django.utils import timezone

from aims.models import AISystem, Requirement
from aims.scope import VIEW, restrict
from controls.choices import ControlStatus
from controls.models import Control, ControlRequirement, ControlTest


class _DatePlusDays(Func):
    """``date + integer`` in PostgreSQL: the date so many days later (still a date)."""

    arg_joiner = " + "
    template = "(%(expressions)s)"
    output_field = DateField()


def with_test_due(queryset: QuerySet[Control]) -> QuerySet[Control]:
    """``queryset`` with ``test_due_on`` (the last test plus the interval; null when never
    tested or tested without an interval) and ``test_overdue`` (an interval is set, the
    control is not retired, and it was never tested or its last test is older than the
    interval), computed in SQL so lists filter and show them without a query per row."""
    today = timezone.localdate()
    due = _DatePlusDays(F("last_tested_on"), _interval())
    return queryset.annotate(
        test_due_on=due,
        test_overdue=Case(
            When(overdue_condition(today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def _interval() -> Least:
    """The test interval, at most ``MAX_TEST_INTERVAL_DAYS``: an interval stored before that
    bound (up to 2³¹ days) would take the dates past the calendar's end and fail the list."""
    return Least(F("test_interval_days"), Value(Control.MAX_TEST_INTERVAL_DAYS))


def overdue_condition(today: Any = None) -> Q:
    """The condition "the control's test is overdue" on a queryset of controls (needs no
    annotation)."""
    today = today or timezone.localdate()
    return (
        Q(test_interval_days__isnull=False)
        & ~Q(status=ControlStatus.RETIRED)
        & (
            Q(last_tested_on__isnull=True)
            | Q(
                last_tested_on__lt=_DatePlusDays(
                    Value(today, output_field=DateField()), -_interval()
                )
            )
        )
    )


def controls() -> QuerySet[Control]:
    """Controls with what their lists show (rows: ``restrict``)."""
    return with_test_due(
        Control.objects.select_related("owner").prefetch_related(
            Prefetch("ai_systems", queryset=AISystem.objects.only("id", "name", "version"))
        )
    )


def controls_list(user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Control]:
    """The controls ``user`` may see, narrowed by ``filters`` (the list's parameters:
    ``controls.filters.controls.ControlFilter``; invalid ones are ignored here, the pages and
    the API report them)."""
    rows = restrict(controls(), user, VIEW)
    if filters:
        from controls.filters.controls import ControlFilter

        filterset = ControlFilter(filters, queryset=rows, user=user)
        if filterset.is_valid():
            rows = filterset.qs
    return rows


def controls_for_api() -> QuerySet[Control]:
    """Controls with every relation the API's representation reads."""
    return controls().prefetch_related(
        Prefetch(
            "requirement_links",
            queryset=ControlRequirement.objects.select_related("requirement"),
        )
    )


def control_details() -> QuerySet[Control]:
    """Controls with everything a control's page reads about the control itself."""
    return controls().prefetch_related(
        Prefetch(
            "requirement_links",
            queryset=ControlRequirement.objects.select_related("requirement__framework"),
        ),
        Prefetch("tests", queryset=ControlTest.objects.select_related("tester")),
    )


def control_tests() -> QuerySet[ControlTest]:
    """Tests of controls, newest first (rows: ``restrict``)."""
    return ControlTest.objects.select_related("control", "tester").order_by("-tested_on", "-id")


def control_related(control: Control, user: Any) -> dict[str, Any]:
    """What a control's page shows beyond the control, each list as far as ``user`` may see
    it: the risks whose treatment actions rely on it, the evidence linked to it (with its
    current version and expiry), and the SoA rows that cite it."""
    from controls.models import ApplicabilityStatement, Evidence
    from risk.models import TreatmentAction

    actions = restrict(
        TreatmentAction.objects.filter(implementing_controls=control).select_related("risk"),
        user,
        VIEW,
    ).order_by("risk_id", "id")
    evidence = restrict(
        Evidence.objects.filter(controls=control).select_related("current_version"), user, VIEW
    ).order_by("title", "id")
    rows = restrict(
        ApplicabilityStatement.objects.filter(controls=control)
        .exclude(soa__status="superseded")
        .select_related("soa", "requirement"),
        user,
        VIEW,
    ).order_by("-soa__number", "requirement__order")
    return {
        "treatment_actions": list(actions),
        "evidence": list(evidence),
        "soa_rows": list(rows),
        "today": timezone.localdate(),
    }


def requirement_controls(requirement: Requirement, user: Any) -> list[ControlRequirement]:
    """The links of the controls ``user`` may see that satisfy ``requirement``, with notes."""
    visible = restrict(Control.objects.all(), user, VIEW)
    return list(
        ControlRequirement.objects.filter(requirement=requirement, control__in=visible)
        .select_related("control__owner")
        .order_by("control__code")
    )
