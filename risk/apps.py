from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    """AI risk criteria and matrices, the risk register, treatment and acceptance."""

    name = "risk"
    verbose_name = _("Risks")

    def ready(self) -> None:
        from aims.registry import NavEntry, SystemTab, registry
        from risk.models import Risk
        from risk.reports import RISK_REGISTER

        registry.add_nav(NavEntry(code="risks", label=_("Risks"), url_name="risks", order=60))
        registry.add_system_tab(
            SystemTab(
                code="risks",
                label=_("Risks"),
                order=20,
                template="risk/_ai_system_tab.html",
                context=system_tab,
            )
        )
        registry.add_report_kind(RISK_REGISTER)
        registry.add_reviewable(Risk)
        from risk.inbox import SOURCES

        for source in SOURCES:  # the personal inbox: acceptances and actions
            registry.add_inbox_source(source)
        registry.add_demo_loader("risk", load_demo)
        # Evidence may link to risks and their treatment actions.
        from controls.linking import register_target
        from risk.models import TreatmentAction

        register_target(Risk, "risk")
        register_target(TreatmentAction, "treatment_action")
        # The risk posture on the dashboard and the evidence of 6.1.2/8.2 and 6.1.3/8.3.
        from risk import dashboard

        dashboard.register()
        # The risks relying on Annex A controls, for the SoA's checks.
        from risk import reliance

        reliance.register()
        # The checks of the certification readiness items 6.1.2, 8.2 and 8.3.
        from risk.plug import readiness

        readiness.register()


def system_tab(request: Any, system: Any) -> dict[str, Any]:
    """The risks of one AI system, as far as the viewer may see them."""
    from aims.scope import restrict
    from risk.selectors import risks

    return {"risks": list(restrict(risks(), request.user).filter(ai_systems=system))}


def load_demo(*, users: dict[str, Any]) -> None:
    """Demo register for ``manage.py load_demo`` (Japanese, like the rest of the demo)."""
    from django.utils import translation

    from risk import demo

    with translation.override("ja"):
        demo.load(users=users)
