from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AimsConfig(AppConfig):
    name = "aims"
    verbose_name = _("AIMS core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aims import contributions, readiness_checks

        contributions.register()
        readiness_checks.register()  # competence (7.2) and the core's readiness items
