from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    """AI system impact assessments (6.1.4, A.5)."""

    name = "impact"
    verbose_name = _("Impact assessments")

    def ready(self) -> None:
        from aims.inbox import approval_sources
        from aims.registry import NavEntry, SystemTab, registry
        from impact import services
        from impact.models import ImpactAssessment
        from impact.reports import IMPACT_ASSESSMENT, IMPACT_ASSESSMENT_LIST

        registry.add_nav(
            NavEntry(
                code="impact",
                label=_("Impact assessments"),
                url_name="impact_assessments",
                order=70,
            )
        )
        registry.add_system_tab(
            SystemTab(
                code="impact",
                label=_("Impact assessments"),
                order=30,
                template="impact/_ai_system_tab.html",
                context=system_tab,
            )
        )
        registry.add_report_kind(IMPACT_ASSESSMENT)
        registry.add_report_kind(IMPACT_ASSESSMENT_LIST)
        registry.add_reviewable(ImpactAssessment)
        for source in approval_sources(ImpactAssessment, select=("ai_system",), order=20):
            registry.add_inbox_source(source)
        registry.on_ai_system_change(services.flag_reassessment)
        # After the risk demo: the seed-000 assessment is reflected in its risks.
        registry.add_demo_loader("impact", load_demo)
        # Evidence may link to impact assessments.
        from controls.linking import register_target

        register_target(ImpactAssessment, "impact_assessment")
        # Impact figures on the dashboard and the evidence of 6.1.4/8.4.
        from impact import dashboard

        dashboard.register()
        # The assessments relying on Annex A controls, for the SoA's checks.
        from impact import reliance

        reliance.register()
        # The checks of the certification readiness items 6.1.4 and 8.4.
        from impact.plug import readiness

        readiness.register()


def system_tab(request: Any, system: Any) -> dict[str, Any]:
    """The impact assessments of one AI system, as far as the viewer may see them."""
    from aims.scope import restrict
    from impact.selectors import impact_assessments

    rows = restrict(impact_assessments(), request.user).filter(ai_system=system)
    return {"assessments": list(rows)}


def load_demo(*, users: dict[str, Any]) -> None:
    """The seed-000 assessment for ``manage.py load_demo``."""
    from impact import demo

    demo.load(users=users)
