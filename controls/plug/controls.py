"""What the controls part of the controls app adds to the core (called from
``ControlsConfig.ready``): the navigation entry, the AI system page's tab, the library
requirement page's tabs, the control register report, review reminders, the inbox source of
overdue tests, the dashboard's figures and the demo."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import InboxKind


def register() -> None:
    """Navigation, tabs, report kinds, reviewable models, inbox sources, demo loaders, hooks."""
    from aims.registry import (
        DashboardFigures,
        InboxSource,
        NavEntry,
        RequirementTab,
        SystemTab,
        registry,
    )
    from controls.models import Control
    from controls.reports.controls import CONTROL_REGISTER

    registry.add_nav(
        NavEntry(code="controls", label=gettext_lazy("Controls"), url_name="controls", order=80)
    )
    registry.add_system_tab(
        SystemTab(
            code="controls",
            label=gettext_lazy("Controls"),
            order=40,
            template="controls/_ai_system_controls.html",
            context=system_tab,
        )
    )
    registry.add_requirement_tab(
        RequirementTab(
            code="controls",
            label=gettext_lazy("Controls"),
            template="controls/_requirement_controls.html",
            context=requirement_controls_tab,
            order=10,
        )
    )
    registry.add_requirement_tab(
        RequirementTab(
            code="evidence",
            label=gettext_lazy("Evidence"),
            template="controls/_control_requirement_evidence.html",
            context=requirement_evidence_tab,
            order=20,
        )
    )
    registry.add_report_kind(CONTROL_REGISTER)
    registry.add_reviewable(Control)
    registry.add_inbox_source(
        InboxSource(
            "test:controls.control", InboxKind.REVIEW, overdue_tests, overdue_test_item, order=60
        )
    )
    registry.add_dashboard_figures(
        DashboardFigures(panel="reviews", code="controls", figures=review_figures, order=40)
    )
    registry.add_demo_loader("controls", load_demo, order=50)


def system_tab(request: HttpRequest, system: Any) -> dict[str, Any]:
    """The controls that cover one AI system, as far as the viewer may see them."""
    from aims.scope import CHANGE, permitted
    from controls.views.controls import system_controls

    return {
        "controls": list(system_controls(request, system)),
        "can_edit": system.retired_at is None and permitted(request.user, CHANGE, system),
    }


def requirement_controls_tab(request: HttpRequest, requirement: Any) -> dict[str, Any]:
    """The controls that satisfy a requirement, with their notes."""
    from controls.selectors.controls import requirement_controls

    return {"control_links": requirement_controls(requirement, request.user)}


def requirement_evidence_tab(request: HttpRequest, requirement: Any) -> dict[str, Any]:
    """Evidence linked to the controls that satisfy a requirement, or to the SoA rows of the
    requirement, as far as the viewer may see it."""
    from django.db.models import Q

    from aims.scope import VIEW, restrict
    from controls.models import Control, Evidence

    controls = restrict(Control.objects.all(), request.user, VIEW).filter(
        requirement_links__requirement=requirement
    )
    evidence = restrict(
        Evidence.objects.filter(
            Q(controls__in=controls.values("pk"))
            | Q(applicability_statements__requirement=requirement)
        )
        .select_related("current_version")
        .distinct(),
        request.user,
        VIEW,
    ).order_by("title", "id")
    return {"evidence": list(evidence), "today": timezone.localdate()}


def _person(user: Any) -> Any:
    return user if user is not None and user.is_authenticated and user.is_active else None


def overdue_tests(user: Any) -> QuerySet[Any] | None:
    """Controls I own whose effectiveness test is overdue."""
    from aims.scope import VIEW, restrict
    from controls.models import Control
    from controls.selectors.controls import overdue_condition, with_test_due

    person = _person(user)
    if person is None:
        return None
    rows = with_test_due(Control.objects.filter(owner_id=person.pk).filter(overdue_condition()))
    return restrict(rows, person, VIEW).order_by("last_tested_on", "pk")


def overdue_test_item(control: Any) -> Any:
    from aims.inbox import InboxItem
    from controls.models import Control

    return InboxItem(
        kind=InboxKind.REVIEW,
        source="test:controls.control",
        record_type=str(Control._meta.verbose_name).capitalize(),
        title=str(control),
        url=control.get_absolute_url(),
        state=_("Effectiveness test overdue")
        if control.last_tested_on
        else _("Never tested; an effectiveness test is due"),
        due=control.test_due_on,
        overdue=True,
    )


def review_figures(request: HttpRequest) -> list[Any]:
    """The controls with an overdue test or review that the user may see (one query)."""
    from django.db.models import Count, Q

    from aims.dashboard import link
    from aims.registry import Figure
    from aims.scope import restrict
    from controls.choices import ControlStatus
    from controls.models import Control
    from controls.selectors.controls import overdue_condition

    counts = restrict(Control.objects.all(), request.user).aggregate(
        tests=Count("pk", filter=overdue_condition()),
        reviews=Count(
            "pk",
            filter=Q(next_review_on__lt=timezone.localdate()) & ~Q(status=ControlStatus.RETIRED),
        ),
    )
    live = [s for s in ControlStatus.values if s != ControlStatus.RETIRED]
    return [
        Figure(
            _("Controls: effectiveness test overdue"),
            counts["tests"],
            link("controls", test_overdue="true"),
            tone="warn",
        ),
        Figure(
            _("Controls"),
            counts["reviews"],
            link("controls", status=live, review_overdue="true"),
            tone="warn",
        ),
    ]


def load_demo(*, users: dict[str, Any]) -> None:
    """Demo controls for ``manage.py load_demo`` (Japanese, like the rest of the demo)."""
    from django.utils import translation

    from controls.demo import controls

    with translation.override("ja"):
        controls.load(users=users)
