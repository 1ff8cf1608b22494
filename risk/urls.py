from django.urls import path

from risk import views

urlpatterns = [
    path("", views.RiskRegisterView.as_view(), name="risks"),
    path("new/", views.RiskEditView.as_view(), name="risk_create"),
    path("templates/", views.RiskTemplatesView.as_view(), name="risk_templates"),
    path("levels.css", views.RiskLevelsCssView.as_view(), name="risk_levels_css"),
    path("positions/", views.RiskPositionsView.as_view(), name="risk_positions"),
    path("<int:pk>/", views.RiskDetailView.as_view(), name="risk"),
    path("<int:pk>/edit/", views.RiskEditView.as_view(), name="risk_edit"),
    path("<int:pk>/accept/", views.RiskAcceptView.as_view(), name="risk_accept"),
    path(
        "<int:pk>/request-acceptance/",
        views.RiskRequestAcceptanceView.as_view(),
        name="risk_request_acceptance",
    ),
    path(
        "<int:risk_pk>/actions/new/",
        views.TreatmentActionEditView.as_view(),
        name="risk_action_create",
    ),
    path("actions/<int:pk>/", views.TreatmentActionEditView.as_view(), name="risk_action_edit"),
    path("matrices/", views.RiskMatrixListView.as_view(), name="risk_matrices"),
    path("matrices/new/", views.RiskMatrixEditView.as_view(), name="risk_matrix_create"),
    path("matrices/<int:pk>/", views.RiskMatrixDetailView.as_view(), name="risk_matrix"),
    path("matrices/<int:pk>/edit/", views.RiskMatrixEditView.as_view(), name="risk_matrix_edit"),
    path(
        "matrices/<int:pk>/default/",
        views.RiskMatrixDefaultView.as_view(),
        name="risk_matrix_default",
    ),
    path(
        "matrices/<int:pk>/criteria/",
        views.RiskCriteriaEditView.as_view(),
        name="risk_criteria_edit",
    ),
]
