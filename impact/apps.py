from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    """AI system impact assessments (6.1.4, A.5)."""

    name = "impact"
    verbose_name = _("Impact assessments")
