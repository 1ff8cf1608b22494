from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Internal audits, findings, nonconformities, corrective actions, management review."""

    name = "audit"
    verbose_name = _("Audits")
