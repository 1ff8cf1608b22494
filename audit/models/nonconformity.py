"""Nonconformities and corrective action (10.2): the reaction, the cause, the actions, and
the verification of their effectiveness before closure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.models.base import BoundedTextField, ReviewableModel
from aims.scope import AuditRecords
from audit.choices import (
    ActionStatus,
    CauseCategory,
    NonconformitySource,
    NonconformityStatus,
    Severity,
    VerificationResult,
)


class Nonconformity(ReviewableModel):
    """A nonconformity: where it came from (an audit finding, an incident, a complaint, a
    monitoring result, or raised directly), the requirement, how severe, the reaction
    (correction: what was done to control and correct it, and when), the root cause (a why
    chain and a category), whether it exists or could occur elsewhere, the corrective actions,
    and the verification of their effectiveness by someone other than the action owners
    (an auditor or the officer); closing without it is refused, a failed verification reopens
    it. Operational members respond to those of their granted AI systems (``owner``: who
    responds)."""

    REMINDER_DATE_FIELDS = ("next_review_on", "due_on")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = BoundedTextField(_("description"))
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=NonconformitySource.choices,
        default=NonconformitySource.DIRECT,
    )
    finding = models.OneToOneField(
        "audit.Finding",
        verbose_name=_("finding"),
        on_delete=models.PROTECT,
        related_name="nonconformity",
        null=True,
        blank=True,
    )
    requirement = models.ForeignKey(
        "aims.Requirement",
        verbose_name=_("requirement"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    ai_systems = models.ManyToManyField(
        "aims.AISystem", verbose_name=_("AI systems"), related_name="nonconformities", blank=True
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(
        _("status"),
        max_length=30,
        choices=NonconformityStatus.choices,
        default=NonconformityStatus.OPEN,
        db_index=True,
    )
    raised_on = models.DateField(_("raised on"))
    due_on = models.DateField(_("respond by"), null=True, blank=True)
    # --- reaction (10.2 a) ---
    correction = BoundedTextField(_("correction"), blank=True)
    corrected_on = models.DateField(_("corrected on"), null=True, blank=True)
    # --- cause (10.2 b) ---
    why_chain = models.JSONField(
        _("why chain"), default=list, blank=True, help_text=_("Each answer to “why?” in turn.")
    )
    root_cause = BoundedTextField(_("root cause"), blank=True)
    cause_category = models.CharField(
        _("cause category"), max_length=20, choices=CauseCategory.choices, blank=True
    )
    similar_elsewhere = BoundedTextField(
        _("similar nonconformities elsewhere"),
        blank=True,
        help_text=_("Whether similar nonconformities exist or could occur elsewhere."),
    )
    # --- effectiveness verification (10.2 d) and closure ---
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_result = models.CharField(
        _("verification result"), max_length=20, choices=VerificationResult.choices, blank=True
    )
    verification_note = BoundedTextField(_("verification note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    SCOPE = AuditRecords(audit_path="finding__audit", systems_path="ai_systems")

    class Meta:
        verbose_name = _("nonconformity")
        verbose_name_plural = _("nonconformities")
        ordering = ["-raised_on", "-id"]
        # The board's default order, read a page at a time without sorting the register.
        indexes = [
            models.Index(fields=["-raised_on", "-id"], name="audit_nc_raised"),
            # The other orders of the list (either way), each read off an index.
            models.Index(fields=["due_on", "id"], name="audit_nc_due"),
            models.Index(fields=["updated_at", "id"], name="audit_nc_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NonconformityStatus.values),
                name="%(app_label)s_%(class)s_status",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="%(app_label)s_%(class)s_severity"
            ),
            models.CheckConstraint(
                condition=Q(source__in=NonconformitySource.values),
                name="%(app_label)s_%(class)s_source",
            ),
            # Closed only after an effective verification.
            models.CheckConstraint(
                condition=~Q(status=NonconformityStatus.CLOSED)
                | Q(
                    verification_result=VerificationResult.EFFECTIVE,
                    verified_by__isnull=False,
                    closed_at__isnull=False,
                ),
                name="%(app_label)s_%(class)s_closed_when_verified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @classmethod
    def reminder_queryset(cls) -> models.QuerySet[Nonconformity]:
        """Closed nonconformities are not reminded about."""
        return cls._default_manager.exclude(status=NonconformityStatus.CLOSED)

    def get_absolute_url(self) -> str:
        return reverse("nonconformity", args=[self.pk])


class CorrectiveAction(ReviewableModel):
    """An action to remove the cause of a nonconformity: its owner, due date and status.
    Its due date feeds the review reminders."""

    REMINDER_DATE_FIELDS = ("due_on",)

    nonconformity = models.ForeignKey(
        Nonconformity,
        verbose_name=_("nonconformity"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    title = models.CharField(_("title"), max_length=300)
    description = BoundedTextField(_("description"), blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    SCOPE = AuditRecords(
        audit_path="nonconformity__finding__audit", systems_path="nonconformity__ai_systems"
    )

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["due_on", "id"], name="audit_action_due"),
            models.Index(fields=["updated_at", "id"], name="audit_action_updated"),
        ]
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

    @classmethod
    def reminder_queryset(cls) -> models.QuerySet[CorrectiveAction]:
        """Actions still to do, of nonconformities not closed (the reminder links to the
        nonconformity)."""
        return (
            cls._default_manager.filter(status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS])
            .exclude(nonconformity__status=NonconformityStatus.CLOSED)
            .select_related("nonconformity")
        )

    def get_absolute_url(self) -> str:
        return self.nonconformity.get_absolute_url()
