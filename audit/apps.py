from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Internal audits, findings, nonconformities, corrective actions, management review."""

    name = "audit"
    verbose_name = _("Audits")

    def ready(self) -> None:
        from audit.plug import audits, nonconformities, packs, readiness, review

        # Each part of the app registers what it adds (``audit/plug/<part>.py``).
        audits.register()
        nonconformities.register()
        review.register()
        readiness.register()
        packs.register()
