from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ControlsConfig(AppConfig):
    """Annex A controls: Statement of Applicability, implemented controls, evidence."""

    name = "controls"
    verbose_name = _("Controls and SoA")

    def ready(self) -> None:
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
        registry.add_system_tab(
            SystemTab(
                code="evidence",
                label=_("Evidence"),
                order=50,
                placeholder=_("Evidence for this system appears here once evidence is built."),
            )
        )
