from django.urls import path

from impact import views

urlpatterns = [
    path("", views.ImpactAssessmentListView.as_view(), name="impact_assessments"),
    path("new/", views.ImpactAssessmentEditView.as_view(), name="impact_assessment_create"),
    path("positions/", views.ImpactPositionsView.as_view(), name="impact_positions"),
    path("<int:pk>/", views.ImpactAssessmentDetailView.as_view(), name="impact_assessment"),
    path("<int:pk>/edit/", views.ImpactAssessmentEditView.as_view(), name="impact_assessment_edit"),
    path("<int:pk>/submit/", views.ImpactSubmitView.as_view(), name="impact_assessment_submit"),
    path("<int:pk>/approve/", views.ImpactApproveView.as_view(), name="impact_assessment_approve"),
    path("<int:pk>/return/", views.ImpactReturnView.as_view(), name="impact_assessment_return"),
    path(
        "<int:pk>/new-version/",
        views.ImpactNewVersionView.as_view(),
        name="impact_assessment_new_version",
    ),
    path("<int:pk>/compare/", views.ImpactCompareView.as_view(), name="impact_assessment_compare"),
    path(
        "<int:assessment_pk>/entries/new/",
        views.ImpactEntryEditView.as_view(),
        name="impact_entry_create",
    ),
    path("entries/<int:pk>/", views.ImpactEntryEditView.as_view(), name="impact_entry_edit"),
    path("entries/<int:pk>/risks/", views.ImpactEntryRiskView.as_view(), name="impact_entry_risks"),
    path(
        "entries/<int:pk>/risks/new/",
        views.ImpactEntryRiskCreateView.as_view(),
        name="impact_entry_risk_create",
    ),
]
