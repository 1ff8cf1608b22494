from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ControlsConfig(AppConfig):
    """Annex A controls: Statement of Applicability, implemented controls, evidence."""

    name = "controls"
    verbose_name = _("Controls and SoA")
