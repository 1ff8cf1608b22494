"""Pages of the controls app: the organisation's controls, the Statement of Applicability,
the coverage of other frameworks, and evidence. Each part keeps its routes beside its views."""

from controls.views import controls, coverage, evidence, soa

urlpatterns = [
    *controls.urlpatterns,
    *soa.urlpatterns,
    *coverage.urlpatterns,
    *evidence.urlpatterns,
]
