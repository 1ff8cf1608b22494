"""The AI risk register (6.1.2, 8.2), risk treatment (6.1.3, 8.3) and risk acceptance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aims.models.base import BoundedTextField, GovernedModel, ReviewableModel
from aims.scope import ThroughSystems
from risk.choices import AcceptanceEnd, ActionStatus, RequestOutcome, RiskStatus, TreatmentOption


class Risk(ReviewableModel):
    """One AI risk: what can go wrong, for which AI systems, how likely and how bad before and
    after treatment, and how it is treated.

    Likelihood and impact are 1-based positions on the scales of ``matrix``; the levels are
    derived from the matrix by the services (``risk.levels``), never taken from a client.
    """

    title = models.CharField(_("title"), max_length=300)
    description = BoundedTextField(_("description"), blank=True)
    ai_systems = models.ManyToManyField(
        "aims.AISystem",
        verbose_name=_("AI systems"),
        related_name="risks",
        blank=True,
        help_text=_("The AI systems the risk concerns; none for an organisation-wide risk."),
    )
    risk_sources = models.ManyToManyField(
        "aims.Requirement",
        verbose_name=_("risk sources"),
        related_name="+",
        blank=True,
        help_text=_("Risk sources of ISO/IEC 42001 Annex C.3."),
    )
    source_notes = BoundedTextField(_("risk source (details)"), blank=True)
    categories = models.ManyToManyField(
        "aims.Requirement",
        verbose_name=_("categories"),
        related_name="+",
        blank=True,
        help_text=_("AI risk categories of the library taxonomy."),
    )
    principles = models.ManyToManyField(
        "aims.Requirement",
        verbose_name=_("principles"),
        related_name="+",
        blank=True,
        help_text=_("Common guiding principles of the AI Guidelines for Business."),
    )
    aisi_perspectives = models.ManyToManyField(
        "aims.Requirement",
        verbose_name=_("AISI evaluation perspectives"),
        related_name="+",
        blank=True,
    )
    template = models.ForeignKey(
        "aims.Requirement",
        verbose_name=_("started from"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("The catalogue entry the risk was prefilled from."),
    )
    matrix = models.ForeignKey(
        "risk.RiskMatrix",
        verbose_name=_("risk matrix"),
        on_delete=models.PROTECT,
        related_name="risks",
    )
    inherent_likelihood = models.PositiveSmallIntegerField(_("inherent likelihood"))
    inherent_impact = models.PositiveSmallIntegerField(_("inherent impact"))
    inherent_level = models.CharField(_("inherent level"), max_length=30, editable=False)
    inherent_rank = models.PositiveSmallIntegerField(_("inherent level rank"), editable=False)
    residual_likelihood = models.PositiveSmallIntegerField(_("residual likelihood"))
    residual_impact = models.PositiveSmallIntegerField(_("residual impact"))
    residual_level = models.CharField(_("residual level"), max_length=30, editable=False)
    residual_rank = models.PositiveSmallIntegerField(_("residual level rank"), editable=False)
    treatment_option = models.CharField(
        _("treatment option"),
        max_length=30,
        choices=TreatmentOption.choices,
        default=TreatmentOption.NOT_DECIDED,
        db_index=True,
    )
    treatment_plan = BoundedTextField(_("treatment plan"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RiskStatus.choices,
        default=RiskStatus.OPEN,
        db_index=True,
    )
    closed_reason = BoundedTextField(_("reason for closing"), blank=True)

    SCOPE = ThroughSystems("ai_systems")
    # The acceptance step logs the acceptance inside the risk's snapshot (aims.history).
    CHANGE_LOG_NESTED = {"acceptance": "acceptances"}
    # Level codes read by the labels of the matrix the snapshot links (aims.history).
    CHANGE_LOG_LEVELS = {"inherent_level": "matrix", "residual_level": "matrix"}

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["-residual_rank", "-inherent_rank", "id"]
        indexes = [
            models.Index(
                fields=["-residual_rank", "-inherent_rank", "id"], name="risk_register_order"
            ),
            # The register's other orders and the list's ``?ordering=``, either way.
            models.Index(
                fields=["-inherent_rank", "-residual_rank", "id"], name="risk_inherent_order"
            ),
            models.Index(fields=["residual_rank", "id"], name="risk_risk_residual"),
            models.Index(fields=["inherent_rank", "id"], name="risk_risk_inherent"),
            models.Index(fields=["title", "id"], name="risk_risk_title"),
            models.Index(fields=["next_review_on", "id"], name="risk_risk_review"),
            models.Index(fields=["inherent_level"], name="risk_inherent_level"),
            models.Index(fields=["residual_level"], name="risk_residual_level"),
            # The dashboard's last change of the register, and its "recently changed" order.
            models.Index(fields=["-updated_at", "-id"], name="risk_updated_order"),
            # The heat maps of a reader who sees part of the register (their risks found
            # through their AI systems) read each risk's cell from this index alone, not the
            # table (the whole register's maps are kept counts: ``RiskCellCount``).
            models.Index(
                fields=["id"],
                include=[
                    "matrix",
                    "status",
                    "inherent_likelihood",
                    "inherent_impact",
                    "residual_likelihood",
                    "residual_impact",
                ],
                name="risk_cells_by_id",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RiskStatus.values), name="%(app_label)s_%(class)s_status"
            ),
            models.CheckConstraint(
                condition=Q(treatment_option__in=TreatmentOption.values),
                name="%(app_label)s_%(class)s_treatment_option",
            ),
            models.CheckConstraint(
                condition=Q(
                    inherent_likelihood__gte=1,
                    inherent_impact__gte=1,
                    residual_likelihood__gte=1,
                    residual_impact__gte=1,
                ),
                name="%(app_label)s_%(class)s_positions_from_one",
            ),
            models.CheckConstraint(
                condition=~Q(status=RiskStatus.CLOSED) | ~Q(closed_reason=""),
                name="%(app_label)s_%(class)s_reason_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        return f"R-{self.pk:05d}" if self.pk else "R-new"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("risk", args=[self.pk])

    @classmethod
    def reminder_queryset(cls) -> models.QuerySet[Risk]:
        """Closed risks are no longer reviewed."""
        return cls._default_manager.exclude(status=RiskStatus.CLOSED)


class TreatmentAction(GovernedModel):
    """A step of a risk's treatment plan, with its owner, due date and the Annex A controls it
    implements."""

    risk = models.ForeignKey(
        Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(_("title"), max_length=300)
    description = BoundedTextField(_("description"), blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    controls = models.ManyToManyField(
        "aims.Requirement",
        verbose_name=_("Annex A controls"),
        related_name="+",
        blank=True,
        help_text=_("ISO/IEC 42001 Annex A controls the action implements."),
    )
    implementing_controls = models.ManyToManyField(
        "controls.Control",
        verbose_name=_("the organisation's controls"),
        related_name="treatment_actions",
        blank=True,
        help_text=_("The organisation's own controls the action puts in place or relies on."),
    )

    SCOPE = ThroughSystems("risk__ai_systems")

    class Meta:
        verbose_name = _("treatment action")
        verbose_name_plural = _("treatment actions")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["due_on", "id"], name="risk_action_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="%(app_label)s_%(class)s_status"
            ),
            models.CheckConstraint(
                condition=~Q(status=ActionStatus.DONE) | Q(completed_on__isnull=False),
                name="%(app_label)s_%(class)s_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RiskAcceptance(models.Model):
    """A decision to accept a risk's residual level: who, when, why and until when. It ends
    when it expires (the risk reopens), when the residual risk is reassessed, or when a new
    acceptance replaces it; ended acceptances stay as the record."""

    risk = models.ForeignKey(
        Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="acceptances"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), auto_now_add=True)
    rationale = BoundedTextField(_("rationale"))
    expires_on = models.DateField(_("valid until"), db_index=True)
    residual_level = models.CharField(_("residual level accepted"), max_length=30)
    within_criteria = models.BooleanField(_("within the risk criteria"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(
        _("why it ended"), max_length=20, choices=AcceptanceEnd.choices, blank=True
    )

    # The level accepted, read by the label of its risk's matrix (aims.history).
    CHANGE_LOG_LEVELS = {"residual_level": "risk.matrix"}
    CHANGE_LOG_EXCLUDE = ("accepted_at",)

    SCOPE = ThroughSystems("risk__ai_systems")

    class Meta:
        verbose_name = _("risk acceptance")
        verbose_name_plural = _("risk acceptances")
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["risk"],
                condition=Q(ended_at__isnull=True),
                name="%(app_label)s_%(class)s_one_active",
            ),
            models.CheckConstraint(
                condition=~Q(rationale=""), name="%(app_label)s_%(class)s_rationale"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="")
                | Q(ended_at__isnull=False) & ~Q(end_reason=""),
                name="%(app_label)s_%(class)s_end_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.risk.code} {self.residual_level} → {self.expires_on}"


class AcceptanceRequest(models.Model):
    """A request that top management accept a risk whose residual level is above the risk
    criteria: it puts the risk into the inbox of everyone who may accept it. It closes when
    the risk is accepted, reassessed or closed; closed requests stay as the record."""

    risk = models.ForeignKey(
        Risk,
        verbose_name=_("risk"),
        on_delete=models.CASCADE,
        related_name="acceptance_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    note = BoundedTextField(_("note to the acceptor"), blank=True)
    residual_level = models.CharField(_("residual level"), max_length=30)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=RequestOutcome.choices, blank=True
    )

    CHANGE_LOG_EXCLUDE = ("requested_at",)

    SCOPE = ThroughSystems("risk__ai_systems")

    class Meta:
        verbose_name = _("acceptance request")
        verbose_name_plural = _("acceptance requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["risk"],
                condition=Q(closed_at__isnull=True),
                name="%(app_label)s_%(class)s_one_open",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, outcome="")
                | Q(closed_at__isnull=False) & ~Q(outcome=""),
                name="%(app_label)s_%(class)s_closed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.risk.code} {self.residual_level}"
