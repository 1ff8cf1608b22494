"""Context of the organisation (ISO/IEC 42001 clause 4): issues and interested parties.
The AIMS scope statement (4.3) lives on the Organization."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aims.choices import ContextIssueCategory, ContextIssueKind, InterestedPartyCategory
from aims.models.base import BoundedTextField, GovernedModel
from aims.scope import OrganisationWide


class ContextIssue(GovernedModel):
    """An internal or external issue relevant to the AIMS and its intended results (4.1)."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("internal or external"), max_length=10, choices=ContextIssueKind.choices
    )
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=ContextIssueCategory.choices,
        default=ContextIssueCategory.OTHER,
    )
    description = BoundedTextField(_("description"), blank=True)
    effect = BoundedTextField(
        _("effect on the AIMS"),
        blank=True,
        help_text=_("How the issue affects the AIMS and what the organisation does about it."),
    )

    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("context issue")
        verbose_name_plural = _("context issues")
        ordering = ["kind", "title"]
        indexes = [
            models.Index(fields=["kind", "title", "id"], name="aims_contextissue_kind_title")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ContextIssueKind.values), name="%(app_label)s_%(class)s_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class InterestedParty(GovernedModel):
    """An interested party with its needs and expectations (4.2)."""

    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=InterestedPartyCategory.choices,
        default=InterestedPartyCategory.OTHER,
    )
    description = BoundedTextField(_("description"), blank=True)
    needs_and_expectations = BoundedTextField(_("needs and expectations"))
    addressed_by_aims = models.BooleanField(
        _("addressed through the AIMS"),
        default=True,
        help_text=_("Whether these needs become requirements the AIMS addresses."),
    )

    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("interested party")
        verbose_name_plural = _("interested parties")
        ordering = ["name"]
        indexes = [models.Index(fields=["name", "id"], name="aims_party_name")]

    def __str__(self) -> str:
        return self.name
