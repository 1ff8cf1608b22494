"""Root URL configuration: the project's wiring, the one module of the core (with the
settings) that names the domain apps. Every route resolves to a view with a declared policy
(the permission-matrix test checks it)."""

from django.contrib import admin
from django.urls import include, path

import impact.api.urls
import risk.api.urls
from aims import (
    conformance_views,
    context_views,
    document_views,
    inventory_views,
    library_views,
    report_views,
    views,
)
from aims.api.urls import api_urls

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("health/", views.HealthView.as_view(), name="health"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("accounts/tokens/", views.TokenListView.as_view(), name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
    path("language/", views.SetLanguageView.as_view(), name="set_language"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("changes/", views.ChangeLogView.as_view(), name="changes"),
    path("users/", views.UserListView.as_view(), name="users"),
    path("users/new/", views.UserEditView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserEditView.as_view(), name="user_edit"),
    path("ai-systems/", inventory_views.AISystemListView.as_view(), name="ai_systems"),
    path("ai-systems/new/", inventory_views.AISystemEditView.as_view(), name="ai_system_create"),
    path(
        "ai-systems/import/", inventory_views.AISystemImportView.as_view(), name="ai_system_import"
    ),
    path("ai-systems/<int:pk>/", inventory_views.AISystemDetailView.as_view(), name="ai_system"),
    path(
        "ai-systems/<int:pk>/edit/",
        inventory_views.AISystemEditView.as_view(),
        name="ai_system_edit",
    ),
    path(
        "ai-systems/<int:pk>/retire/",
        inventory_views.AISystemRetireView.as_view(),
        name="ai_system_retire",
    ),
    path(
        "ai-systems/<int:pk>/access/",
        inventory_views.AISystemAccessView.as_view(),
        name="ai_system_access",
    ),
    path("context/", context_views.ContextView.as_view(), name="context"),
    path("documents/", document_views.DocumentListView.as_view(), name="documents"),
    path("documents/new/", document_views.DocumentEditView.as_view(), name="document_create"),
    path("documents/<int:pk>/", document_views.DocumentDetailView.as_view(), name="document"),
    path(
        "documents/<int:pk>/edit/", document_views.DocumentEditView.as_view(), name="document_edit"
    ),
    path(
        "documents/<int:pk>/submit/",
        document_views.DocumentSubmitView.as_view(),
        name="document_submit",
    ),
    path(
        "documents/<int:pk>/approve/",
        document_views.DocumentApproveView.as_view(),
        name="document_approve",
    ),
    path(
        "documents/<int:pk>/return/",
        document_views.DocumentReturnView.as_view(),
        name="document_return",
    ),
    path(
        "documents/versions/<int:pk>/file/",
        document_views.DocumentFileView.as_view(),
        name="document_file",
    ),
    path("objectives/", context_views.ObjectiveListView.as_view(), name="objectives"),
    path("objectives/new/", context_views.ObjectiveEditView.as_view(), name="objective_create"),
    path("objectives/<int:pk>/", context_views.ObjectiveEditView.as_view(), name="objective_edit"),
    path("conformance/", conformance_views.ConformanceView.as_view(), name="conformance"),
    path(
        "conformance/<int:pk>/",
        conformance_views.ClauseAssessmentEditView.as_view(),
        name="clause_assessment_edit",
    ),
    path(
        "context/issues/new/",
        context_views.ContextIssueEditView.as_view(),
        name="context_issue_create",
    ),
    path(
        "context/issues/<int:pk>/",
        context_views.ContextIssueEditView.as_view(),
        name="context_issue_edit",
    ),
    path(
        "context/parties/new/",
        context_views.InterestedPartyEditView.as_view(),
        name="interested_party_create",
    ),
    path(
        "context/parties/<int:pk>/",
        context_views.InterestedPartyEditView.as_view(),
        name="interested_party_edit",
    ),
    path(
        "context/units/new/",
        context_views.BusinessUnitEditView.as_view(),
        name="business_unit_create",
    ),
    path(
        "context/units/<int:pk>/",
        context_views.BusinessUnitEditView.as_view(),
        name="business_unit_edit",
    ),
    path(
        "context/organization/new/",
        context_views.OrganizationEditView.as_view(),
        name="organization_create",
    ),
    path(
        "context/organization/<int:pk>/",
        context_views.OrganizationEditView.as_view(),
        name="organization_edit",
    ),
    path("library/", library_views.FrameworkListView.as_view(), name="library"),
    path("library/import/", library_views.LibraryImportView.as_view(), name="library_import"),
    path(
        "library/frameworks/<int:pk>/",
        library_views.FrameworkDetailView.as_view(),
        name="library_framework",
    ),
    path(
        "library/requirements/<int:pk>/",
        library_views.RequirementDetailView.as_view(),
        name="library_requirement",
    ),
    path("reports/", report_views.ReportListView.as_view(), name="reports"),
    path("reports/<int:pk>/", report_views.ReportDetailView.as_view(), name="report"),
    path(
        "reports/<int:pk>/download/",
        report_views.ReportDownloadView.as_view(),
        name="report_download",
    ),
    path("risks/", include("risk.urls")),
    path("impact-assessments/", include("impact.urls")),
    path(
        "api/v1/",
        include((api_urls([*risk.api.urls.ROUTES, *impact.api.urls.ROUTES]), "api")),
    ),
    path("admin/", admin.site.urls),
]

handler400 = "aims.views.error_400"
handler403 = "aims.views.error_403"
handler404 = "aims.views.error_404"
handler500 = "aims.views.error_500"
