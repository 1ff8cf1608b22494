"""``/api/v1/``: the routes of every app are registered on one router here (a composition
module: it may import the domain apps' API)."""

from django.urls import path

from aims.api.conformance import ClauseAssessmentViewSet
from aims.api.documents import DocumentViewSet
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
from impact.api.views import ImpactAssessmentViewSet, ImpactEntryViewSet
from risk.api.views import RiskMatrixViewSet, RiskViewSet, TreatmentActionViewSet

router = Router()
router.register("changes", ChangeRecordViewSet, basename="change")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("ai-systems", AISystemViewSet, basename="ai-system")
router.register("business-units", BusinessUnitViewSet, basename="business-unit")
router.register("context-issues", ContextIssueViewSet, basename="context-issue")
router.register("interested-parties", InterestedPartyViewSet, basename="interested-party")
router.register("objectives", ObjectiveViewSet, basename="objective")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("clause-assessments", ClauseAssessmentViewSet, basename="clause-assessment")
router.register("documents", DocumentViewSet, basename="document")
router.register("frameworks", FrameworkViewSet, basename="framework")
router.register("requirements", RequirementViewSet, basename="requirement")
router.register("mappings", MappingViewSet, basename="mapping")
router.register("reports", ReportJobViewSet, basename="report")
router.register("risk-matrices", RiskMatrixViewSet, basename="risk-matrix")
router.register("risks", RiskViewSet, basename="risk")
router.register("risk-actions", TreatmentActionViewSet, basename="risk-action")
router.register("impact-assessments", ImpactAssessmentViewSet, basename="impact-assessment")
router.register("impact-entries", ImpactEntryViewSet, basename="impact-entry")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
