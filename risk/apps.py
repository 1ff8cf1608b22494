from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    """AI risk criteria and matrices, the risk register, treatment and acceptance."""

    name = "risk"
    verbose_name = _("Risks")

    def ready(self) -> None:
        from risk import reports  # noqa: F401  (registers the risk register report)
