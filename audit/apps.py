from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Internal audits, findings, nonconformities, corrective actions, management review."""

    name = "audit"
    verbose_name = _("Audits")

    def ready(self) -> None:
        from aims.registry import NavEntry, registry
        from audit.plug import audits, nonconformities, review

        # Not built yet: the area stays out of the navigation until its pages exist.
        registry.add_nav(NavEntry(code="audits", label=_("Audits"), url_name=None, order=90))
        # Each part of the app registers what it adds (``audit/plug/<part>.py``).
        audits.register()
        nonconformities.register()
        review.register()
