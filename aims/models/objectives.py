"""AI objectives (6.2) and their measured results (9.1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aims.choices import ObjectiveStatus
from aims.models.base import BoundedTextField, GovernedModel
from aims.scope import OrganisationWide


class Objective(GovernedModel):
    """A measurable AI objective with its plan: what, target, measure, owner and due date."""

    title = models.CharField(_("title"), max_length=200)
    description = BoundedTextField(_("description"), blank=True)
    target = models.CharField(
        _("target"),
        max_length=300,
        help_text=_("The value or state to reach, e.g. a selection-rate gap below 2 points."),
    )
    measure = BoundedTextField(_("how it is measured"), blank=True)
    plan = BoundedTextField(
        _("plan"), blank=True, help_text=_("What will be done, with which resources.")
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectiveStatus.choices, default=ObjectiveStatus.PLANNED
    )
    ai_systems = models.ManyToManyField(
        "aims.AISystem", verbose_name=_("AI systems"), blank=True, related_name="objectives"
    )

    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["due_on", "title"]
        indexes = [
            models.Index(fields=["due_on", "title", "id"], name="aims_objective_due_title"),
            models.Index(fields=["due_on", "id"], name="aims_objective_due"),
            models.Index(fields=["title", "id"], name="aims_objective_title"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ObjectiveStatus.values),
                name="%(app_label)s_%(class)s_status",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ObjectiveResult(models.Model):
    """One measurement of an objective's progress (9.1)."""

    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="results"
    )
    measured_on = models.DateField(_("measured on"))
    value = models.CharField(_("result"), max_length=300)
    notes = BoundedTextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("objective result")
        verbose_name_plural = _("objective results")
        ordering = ["-measured_on", "-id"]

    def __str__(self) -> str:
        return f"{self.measured_on}: {self.value}"
