from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.models.base import GovernedModel


class Organization(GovernedModel):
    """The organisation that runs the AIMS (one per deployment to begin with)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
