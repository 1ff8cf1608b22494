"""``/api/v1/``: the core's routes, and the function that puts them on one router with the
routes of the domain apps (which the root URL configuration passes in)."""

from typing import Any

from django.urls import path

from aims.api.competence import CompetenceRecordViewSet, CompetenceRoleViewSet, ReadinessView
from aims.api.conformance import ClauseAssessmentViewSet
from aims.api.documents import DocumentViewSet
from aims.api.inbox import InboxView
from aims.api.inventory import AISystemViewSet
from aims.api.library import FrameworkViewSet, MappingViewSet, RequirementViewSet
from aims.api.records import (
    BusinessUnitViewSet,
    ContextIssueViewSet,
    InterestedPartyViewSet,
    ObjectiveViewSet,
    OrganizationViewSet,
)
from aims.api.reports import ReportJobViewSet
from aims.api.views import (
    ApiTokenViewSet,
    ChangeRecordViewSet,
    DocsView,
    MeView,
    NotificationViewSet,
    Router,
    SchemaView,
)

#: (prefix, viewset, basename) of the core's resources.
ROUTES: list[tuple[str, Any, str]] = [
    ("changes", ChangeRecordViewSet, "change"),
    ("tokens", ApiTokenViewSet, "token"),
    ("notifications", NotificationViewSet, "notification"),
    ("ai-systems", AISystemViewSet, "ai-system"),
    ("business-units", BusinessUnitViewSet, "business-unit"),
    ("context-issues", ContextIssueViewSet, "context-issue"),
    ("interested-parties", InterestedPartyViewSet, "interested-party"),
    ("objectives", ObjectiveViewSet, "objective"),
    ("organizations", OrganizationViewSet, "organization"),
    ("clause-assessments", ClauseAssessmentViewSet, "clause-assessment"),
    ("documents", DocumentViewSet, "document"),
    ("frameworks", FrameworkViewSet, "framework"),
    ("requirements", RequirementViewSet, "requirement"),
    ("mappings", MappingViewSet, "mapping"),
    ("reports", ReportJobViewSet, "report"),
    ("competence-roles", CompetenceRoleViewSet, "competence-role"),
    ("competence-records", CompetenceRecordViewSet, "competence-record"),
]


def api_urls(app_routes: list[tuple[str, Any, str]]) -> list[Any]:
    """The URL patterns of ``/api/v1/``: the core's routes and ``app_routes`` on one router
    (one API root), plus the schema and the interactive docs."""
    router = Router()
    for prefix, viewset, basename in [*ROUTES, *app_routes]:
        router.register(prefix, viewset, basename=basename)
    return [
        path("me/", MeView.as_view(), name="me"),
        path("inbox/", InboxView.as_view(), name="inbox"),
        path("readiness/", ReadinessView.as_view(), name="readiness"),
        path("schema/", SchemaView.as_view(), name="schema"),
        path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
        *router.urls,
    ]
