from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ControlsConfig(AppConfig):
    """Annex A controls: Statement of Applicability, implemented controls, evidence."""

    name = "controls"
    verbose_name = _("Controls and SoA")

    def ready(self) -> None:
        from controls.plug import controls, coverage, evidence, readiness, soa

        # Each part of the app registers what it adds (``controls/plug/<part>.py``).
        controls.register()
        soa.register()
        evidence.register()
        coverage.register()
        readiness.register()
