"""What the controls part of the controls app adds to the core (called from
``ControlsConfig.ready``)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    """Navigation, tabs, report kinds, reviewable models, inbox sources, demo loaders, hooks."""
    from aims.registry import NavEntry, SystemTab, registry

    # Not built yet: the area stays out of the navigation until its pages exist.
    registry.add_nav(
        NavEntry(code="controls", label=_("Controls and SoA"), url_name=None, order=80)
    )
    registry.add_system_tab(
        SystemTab(
            code="controls",
            label=_("Controls"),
            order=40,
            placeholder=_(
                "Controls that apply to this system appear here once the SoA and controls "
                "are built."
            ),
        )
    )
