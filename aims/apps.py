from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AimsConfig(AppConfig):
    name = "aims"
    verbose_name = _("AIMS core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aims.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from aims.reports import inventory  # noqa: F401  (registers the inventory export)
