"""Pages of the audit app: programmes and audits, nonconformities, management reviews. Each
part keeps its routes beside its views."""

from audit.views import audits, nonconformities, packs, review

urlpatterns = [
    *audits.urlpatterns,
    *nonconformities.urlpatterns,
    *review.urlpatterns,
    *packs.urlpatterns,
]
