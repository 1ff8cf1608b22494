from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.models.base import BoundedTextField, GovernedModel
from aims.scope import OrganisationWide


class Organization(GovernedModel):
    """The organisation that runs the AIMS (one per deployment to begin with)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200, blank=True)
    description = BoundedTextField(_("description"), blank=True)
    scope_statement = BoundedTextField(
        _("AIMS scope"),
        blank=True,
        help_text=_("Boundaries and applicability of the AI management system (4.3)."),
    )
    scope_exclusions = BoundedTextField(
        _("scope exclusions and justification"),
        blank=True,
        help_text=_("What is outside the scope, and why."),
    )

    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
