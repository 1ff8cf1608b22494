from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AimsConfig(AppConfig):
    name = "aims"
    verbose_name = _("AIMS core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aims import contributions

        contributions.register()
