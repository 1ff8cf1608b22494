from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    """AI risk criteria and matrices, the risk register, treatment and acceptance."""

    name = "risk"
    verbose_name = _("Risks")

    def ready(self) -> None:
        from risk import reports  # noqa: F401  (registers the risk register report)

    def load_demo(self, *, users: dict[str, Any]) -> None:
        """Demo register for ``manage.py load_demo`` (Japanese, like the rest of the demo)."""
        from django.utils import translation

        from risk import demo

        with translation.override("ja"):
            demo.load(users=users)
