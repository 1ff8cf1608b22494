"""What the evidence part of the controls app adds to the core (called from
``ControlsConfig.ready``)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    """Navigation, tabs, report kinds, reviewable models, inbox sources, demo loaders, hooks."""
    from aims.registry import SystemTab, registry

    registry.add_system_tab(
        SystemTab(
            code="evidence",
            label=_("Evidence"),
            order=50,
            placeholder=_("Evidence for this system appears here once evidence is built."),
        )
    )
