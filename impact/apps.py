from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    """AI system impact assessments (6.1.4, A.5)."""

    name = "impact"
    verbose_name = _("Impact assessments")

    def ready(self) -> None:
        from aims.hooks import on_ai_system_change
        from impact import reports, services  # noqa: F401  (reports registers its kinds)

        on_ai_system_change(services.flag_reassessment)

    def load_demo(self, *, users: dict[str, Any]) -> None:
        """The seed-000 assessment for ``manage.py load_demo`` (after the risk demo, whose
        risks it is reflected in: apps load in INSTALLED_APPS order, risk before impact)."""
        from impact import demo

        demo.load(users=users)
