"""What the core itself registers: its areas of the navigation, the AI system page's own
tabs, the inventory export, the reviewable records of the core and the demo organisation.
Registered like any app's contributions (``aims.registry``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from aims.registry import NavEntry, SystemTab, registry
from aims.roles import Capability


def register() -> None:
    from aims.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
    from aims.inbox import approval_sources
    from aims.models import AISystem, Document, DocumentVersion
    from aims.reports.inventory import AI_SYSTEM_INVENTORY
    from aims.selectors import GrantedSystems

    registry.add_nav(NavEntry(code="inbox", label=_("My work"), url_name="inbox", order=5))
    for order, code, label, url_name in (
        (10, "context", _("Context and scope"), "context"),
        (20, "documents", _("Documents"), "documents"),
        (30, "objectives", _("Objectives"), "objectives"),
        (40, "conformance", _("Clause conformance"), "conformance"),
        (50, "ai_systems", _("AI systems"), "ai_systems"),
    ):
        registry.add_nav(NavEntry(code=code, label=label, url_name=url_name, order=order))
    registry.add_nav(
        NavEntry(
            code="reports",
            label=_("Reports"),
            url_name="reports",
            order=900,
            capability=Capability.EXPORT,
        )
    )
    registry.add_nav(
        NavEntry(code="library", label=_("Reference library"), url_name="library", order=950)
    )
    registry.add_system_tab(
        SystemTab(
            code="overview", label=_("Overview"), order=0, template="aims/inventory/_overview.html"
        )
    )
    registry.add_system_tab(
        SystemTab(
            code="history", label=_("History"), order=1000, template="aims/inventory/_history.html"
        )
    )
    registry.add_report_kind(AI_SYSTEM_INVENTORY)
    # Operational members work on the AI systems granted to them (and their records).
    registry.add_scope_provider(GrantedSystems())
    registry.add_reviewable(AISystem)
    registry.add_reviewable(Document)
    for source in approval_sources(DocumentVersion, select=("document",), order=10):
        registry.add_inbox_source(source)  # the personal inbox: approvals of documents
    # First: every app's demo builds on the organisation, its users and AI systems.
    registry.add_demo_loader("aims", load_demo, order=10)
    # The dashboard's core panels and the core's clause-conformance evidence (issue 11).
    from aims import dashboard

    dashboard.register()


def load_demo(*, users: dict[str, Any]) -> None:
    from aims.management import demo_data

    demo_data.load(
        operator=users["operator"], officer=users["officer"], executive=users["executive"]
    )
