"""What the coverage part of the controls app adds to the core (called from
``ControlsConfig.ready``): the coverage page in the navigation, and the reports of this part
(the Statement of Applicability as PDF, XLSX and CSV; the coverage as XLSX and CSV)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    """Navigation, tabs, report kinds, reviewable models, inbox sources, demo loaders, hooks."""
    from aims.registry import NavEntry, registry
    from aims.roles import Capability
    from controls.reports.coverage import COVERAGE
    from controls.reports.soa import SOA

    registry.add_nav(
        NavEntry(
            code="coverage",
            label=_("Framework coverage"),
            url_name="coverage",
            order=85,
            capability=Capability.SEE_RECORDS,
        )
    )
    registry.add_report_kind(SOA)
    registry.add_report_kind(COVERAGE)
