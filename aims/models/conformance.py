"""Conformance to the management-system clauses (ISO/IEC 42001 clauses 4–10)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aims.choices import ConformanceStatus
from aims.models.base import BoundedTextField, GovernedModel
from aims.scope import OrganisationWide


class ClauseAssessment(GovernedModel):
    """How far the organisation conforms to one assessable clause requirement."""

    requirement = models.OneToOneField(
        "aims.Requirement",
        verbose_name=_("requirement"),
        on_delete=models.PROTECT,
        related_name="clause_assessment",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ConformanceStatus.choices,
        default=ConformanceStatus.NOT_STARTED,
        db_index=True,
    )
    notes = BoundedTextField(
        _("notes"), blank=True, help_text=_("How the organisation meets the clause; gaps.")
    )
    not_applicable_reason = BoundedTextField(_("reason it does not apply"), blank=True)
    documents = models.ManyToManyField(
        "aims.Document",
        verbose_name=_("documents"),
        blank=True,
        related_name="clause_assessments",
        help_text=_("The documented information that shows conformance."),
    )

    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("clause assessment")
        verbose_name_plural = _("clause assessments")
        ordering = ["requirement__order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ConformanceStatus.values),
                name="%(app_label)s_%(class)s_status",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_applicable") | ~Q(not_applicable_reason=""),
                name="%(app_label)s_%(class)s_reason_when_not_applicable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requirement.ref_id} {self.requirement.name}"
