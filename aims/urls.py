"""Root URL configuration: the project's wiring, the one module of the core (with the
settings) that names the domain apps. Every route resolves to a view with a declared policy
(the permission-matrix test checks it)."""

from django.contrib import admin
from django.urls import include, path

import audit.api.urls
import controls.api.urls
import impact.api.urls
import risk.api.urls
from aims.api.urls import api_urls
from aims.views import (
    accounts,
    activity,
    choices,
    competence,
    conformance,
    context,
    documents,
    home,
    inbox,
    inventory,
    library,
    readiness,
    reports,
)

urlpatterns = [
    # First: an API request is resolved without trying each page's pattern before it.
    path(
        "api/v1/",
        include(
            (
                api_urls(
                    [
                        *controls.api.urls.ROUTES,
                        *risk.api.urls.ROUTES,
                        *impact.api.urls.ROUTES,
                        *audit.api.urls.ROUTES,
                    ]
                ),
                "api",
            )
        ),
    ),
    path("", home.HomeView.as_view(), name="home"),
    path("health/", home.HealthView.as_view(), name="health"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        accounts.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/preferences/", accounts.PreferencesView.as_view(), name="preferences"),
    path("accounts/tokens/", accounts.TokenListView.as_view(), name="tokens"),
    path(
        "accounts/tokens/<int:pk>/revoke/", accounts.TokenRevokeView.as_view(), name="token_revoke"
    ),
    path("language/", accounts.SetLanguageView.as_view(), name="set_language"),
    path("notifications/", activity.NotificationListView.as_view(), name="notifications"),
    path("inbox/", inbox.InboxView.as_view(), name="inbox"),
    path("inbox/badge/", inbox.InboxBadgeView.as_view(), name="inbox_badge"),
    path("filter-choices/", choices.FilterChoicesView.as_view(), name="filter_choices"),
    path("changes/", activity.ChangeLogView.as_view(), name="changes"),
    path("changes/export/", activity.ChangeLogExportView.as_view(), name="changes_export"),
    path("users/", accounts.UserListView.as_view(), name="users"),
    path("users/new/", accounts.UserEditView.as_view(), name="user_create"),
    path("users/<int:pk>/", accounts.UserEditView.as_view(), name="user_edit"),
    path(
        "users/role-grants/<int:pk>/confirm/",
        accounts.RoleGrantConfirmView.as_view(),
        name="role_grant_confirm",
    ),
    path(
        "users/role-grants/<int:pk>/refuse/",
        accounts.RoleGrantRefuseView.as_view(),
        name="role_grant_refuse",
    ),
    path("ai-systems/", inventory.AISystemListView.as_view(), name="ai_systems"),
    path("ai-systems/new/", inventory.AISystemEditView.as_view(), name="ai_system_create"),
    path("ai-systems/import/", inventory.AISystemImportView.as_view(), name="ai_system_import"),
    path("ai-systems/<int:pk>/", inventory.AISystemDetailView.as_view(), name="ai_system"),
    path(
        "ai-systems/<int:pk>/edit/",
        inventory.AISystemEditView.as_view(),
        name="ai_system_edit",
    ),
    path(
        "ai-systems/<int:pk>/retire/",
        inventory.AISystemRetireView.as_view(),
        name="ai_system_retire",
    ),
    path(
        "ai-systems/<int:pk>/access/",
        inventory.AISystemAccessView.as_view(),
        name="ai_system_access",
    ),
    path("context/", context.ContextView.as_view(), name="context"),
    path("documents/", documents.DocumentListView.as_view(), name="documents"),
    path("documents/new/", documents.DocumentEditView.as_view(), name="document_create"),
    path("documents/<int:pk>/", documents.DocumentDetailView.as_view(), name="document"),
    path("documents/<int:pk>/edit/", documents.DocumentEditView.as_view(), name="document_edit"),
    path(
        "documents/<int:pk>/submit/",
        documents.DocumentSubmitView.as_view(),
        name="document_submit",
    ),
    path(
        "documents/<int:pk>/approve/",
        documents.DocumentApproveView.as_view(),
        name="document_approve",
    ),
    path(
        "documents/<int:pk>/return/",
        documents.DocumentReturnView.as_view(),
        name="document_return",
    ),
    path(
        "documents/versions/<int:pk>/compare/",
        documents.DocumentCompareView.as_view(),
        name="document_compare",
    ),
    path(
        "documents/versions/<int:pk>/file/",
        documents.DocumentFileView.as_view(),
        name="document_file",
    ),
    path("readiness/", readiness.ReadinessView.as_view(), name="readiness"),
    path("competence/", competence.CompetenceView.as_view(), name="competence"),
    path(
        "competence/roles/new/",
        competence.CompetenceRoleEditView.as_view(),
        name="competence_role_create",
    ),
    path(
        "competence/roles/<int:pk>/",
        competence.CompetenceRoleView.as_view(),
        name="competence_role",
    ),
    path(
        "competence/roles/<int:pk>/edit/",
        competence.CompetenceRoleEditView.as_view(),
        name="competence_role_edit",
    ),
    path(
        "competence/roles/<int:pk>/delete/",
        competence.CompetenceRoleDeleteView.as_view(),
        name="competence_role_delete",
    ),
    path(
        "competence/records/new/",
        competence.CompetenceRecordEditView.as_view(),
        name="competence_record_create",
    ),
    path(
        "competence/records/<int:pk>/",
        competence.CompetenceRecordView.as_view(),
        name="competence_record",
    ),
    path(
        "competence/records/<int:pk>/edit/",
        competence.CompetenceRecordEditView.as_view(),
        name="competence_record_edit",
    ),
    path(
        "competence/records/<int:pk>/delete/",
        competence.CompetenceRecordDeleteView.as_view(),
        name="competence_record_delete",
    ),
    path("objectives/", context.ObjectiveListView.as_view(), name="objectives"),
    path("objectives/new/", context.ObjectiveEditView.as_view(), name="objective_create"),
    path("objectives/<int:pk>/", context.ObjectiveEditView.as_view(), name="objective_edit"),
    path("conformance/", conformance.ConformanceView.as_view(), name="conformance"),
    path(
        "conformance/<int:pk>/confirm/",
        conformance.ClauseAssessmentConfirmView.as_view(),
        name="clause_assessment_confirm",
    ),
    path(
        "conformance/<int:pk>/",
        conformance.ClauseAssessmentEditView.as_view(),
        name="clause_assessment_edit",
    ),
    path(
        "context/issues/new/",
        context.ContextIssueEditView.as_view(),
        name="context_issue_create",
    ),
    path(
        "context/issues/<int:pk>/",
        context.ContextIssueEditView.as_view(),
        name="context_issue_edit",
    ),
    path(
        "context/parties/new/",
        context.InterestedPartyEditView.as_view(),
        name="interested_party_create",
    ),
    path(
        "context/parties/<int:pk>/",
        context.InterestedPartyEditView.as_view(),
        name="interested_party_edit",
    ),
    path(
        "context/units/new/",
        context.BusinessUnitEditView.as_view(),
        name="business_unit_create",
    ),
    path(
        "context/units/<int:pk>/",
        context.BusinessUnitEditView.as_view(),
        name="business_unit_edit",
    ),
    path(
        "context/organization/new/",
        context.OrganizationEditView.as_view(),
        name="organization_create",
    ),
    path(
        "context/organization/<int:pk>/",
        context.OrganizationEditView.as_view(),
        name="organization_edit",
    ),
    path("library/", library.FrameworkListView.as_view(), name="library"),
    path("library/import/", library.LibraryImportView.as_view(), name="library_import"),
    path("library/glossary/", library.GlossaryView.as_view(), name="library_glossary"),
    path(
        "library/frameworks/<int:pk>/",
        library.FrameworkDetailView.as_view(),
        name="library_framework",
    ),
    path(
        "library/requirements/<int:pk>/",
        library.RequirementDetailView.as_view(),
        name="library_requirement",
    ),
    path("reports/", reports.ReportListView.as_view(), name="reports"),
    path("reports/<int:pk>/", reports.ReportDetailView.as_view(), name="report"),
    path("reports/<int:pk>/retry/", reports.ReportRetryView.as_view(), name="report_retry"),
    path(
        "reports/<int:pk>/download/",
        reports.ReportDownloadView.as_view(),
        name="report_download",
    ),
    path("", include("controls.urls")),
    path("", include("audit.urls")),
    path("risks/", include("risk.urls")),
    path("impact-assessments/", include("impact.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "aims.views.errors.error_400"
handler403 = "aims.views.errors.error_403"
handler404 = "aims.views.errors.error_404"
handler500 = "aims.views.errors.error_500"
