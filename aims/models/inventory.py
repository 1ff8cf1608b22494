"""The AI system inventory and the business units that own systems."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims import urns
from aims.choices import AIType, EUAIActTier, LifecycleStage, OrganizationRole
from aims.models.base import BoundedTextField, GovernedModel, ReviewableModel
from aims.scope import OrganisationWide, ThroughSystems


class BusinessUnit(GovernedModel):
    """A part of the organisation that owns or uses AI systems."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(_("code"), max_length=30, blank=True)
    description = BoundedTextField(_("description"), blank=True)

    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("business unit")
        verbose_name_plural = _("business units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AISystem(ReviewableModel):
    """An AI system in the scope of the AIMS: what it is for, who owns it, where it stands in
    its life cycle and how it is classified. Risks, impact assessments, controls and evidence
    point at it. Access for operational members is granted per system (django-guardian)."""

    name = models.CharField(_("name"), max_length=200)
    version = models.CharField(_("version"), max_length=50, blank=True)
    purpose = BoundedTextField(
        _("purpose and intended use"), help_text=_("What the system is for and how it is used.")
    )
    description = BoundedTextField(_("description"), blank=True)
    business_unit = models.ForeignKey(
        BusinessUnit,
        verbose_name=_("business unit"),
        on_delete=models.PROTECT,
        related_name="ai_systems",
        null=True,
        blank=True,
    )
    lifecycle_stage = models.CharField(
        _("life cycle stage"),
        max_length=20,
        choices=LifecycleStage.choices,
        default=LifecycleStage.CONCEPT,
    )
    organization_roles = ArrayField(
        models.CharField(max_length=20, choices=OrganizationRole.choices),
        verbose_name=_("the organisation's roles"),
        default=list,
        blank=True,
        help_text=_("Developer, provider and/or business user of this system."),
    )
    ai_type = models.CharField(
        _("AI type"), max_length=20, choices=AIType.choices, default=AIType.MACHINE_LEARNING
    )
    is_generative = models.BooleanField(_("generative AI"), default=False)
    is_advanced = models.BooleanField(
        _("advanced AI system"),
        default=False,
        help_text=_("A frontier foundation model or system built on one (Guidelines Part 2-D)."),
    )
    eu_ai_act_tier = models.CharField(
        _("EU AI Act tier"),
        max_length=20,
        choices=EUAIActTier.choices,
        default=EUAIActTier.NOT_ASSESSED,
    )
    affected_parties = models.ManyToManyField(
        "aims.Requirement",
        verbose_name=_("affected parties"),
        blank=True,
        related_name="+",
        limit_choices_to={"framework__urn": urns.AFFECTED_PARTIES},
    )
    affected_parties_notes = BoundedTextField(_("affected parties (details)"), blank=True)
    data_sources = BoundedTextField(_("data sources"), blank=True)
    third_parties = BoundedTextField(
        _("third parties"), blank=True, help_text=_("Suppliers, model providers, customers.")
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    SCOPE = ThroughSystems("")

    class Meta:
        verbose_name = _("AI system")
        verbose_name_plural = _("AI systems")
        ordering = ["name", "version"]
        indexes = [
            # Every order of the list and of its page, read off an index (the key last).,
            models.Index(fields=["name", "version", "id"], name="aims_aisystem_name_version"),
            models.Index(fields=["name", "id"], name="aims_aisystem_name"),
            models.Index(fields=["lifecycle_stage", "name", "id"], name="aims_aisystem_stage_name"),
            models.Index(fields=["lifecycle_stage", "id"], name="aims_aisystem_stage"),
            models.Index(fields=["eu_ai_act_tier", "name", "id"], name="aims_aisystem_tier_name"),
            models.Index(fields=["eu_ai_act_tier", "id"], name="aims_aisystem_tier"),
            models.Index(fields=["next_review_on", "name", "id"], name="aims_aisystem_review_name"),
            models.Index(fields=["next_review_on", "id"], name="aims_aisystem_review"),
            models.Index(fields=["updated_at", "id"], name="aims_aisystem_updated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version"], name="%(app_label)s_%(class)s_unique_name_version"
            ),
            models.CheckConstraint(
                condition=Q(lifecycle_stage__in=LifecycleStage.values),
                name="%(app_label)s_%(class)s_lifecycle_stage",
            ),
            models.CheckConstraint(
                condition=Q(eu_ai_act_tier__in=EUAIActTier.values),
                name="%(app_label)s_%(class)s_eu_ai_act_tier",
            ),
            models.CheckConstraint(
                condition=Q(retired_at__isnull=True) | Q(lifecycle_stage="retired"),
                name="%(app_label)s_%(class)s_retired_stage",
            ),
        ]

    #: What a choice of a system reads (``aims.widgets.LabelledChoiceIterator``, ``__str__``).
    LABEL_FIELDS = ("name", "version")

    @staticmethod
    def label_of(name: str, version: str) -> str:
        return f"{name} {version}".strip()

    def __str__(self) -> str:
        return self.label_of(self.name, self.version)

    def get_absolute_url(self) -> str:
        return reverse("ai_system", args=[self.pk])

    @classmethod
    def reminder_queryset(cls) -> models.QuerySet[AISystem]:
        """Retired systems are no longer reviewed."""
        return cls._default_manager.filter(retired_at__isnull=True)
