"""Management review (9.3): the inputs assembled from live data as of the review date, the
decisions and actions, and the sign-off by top management that freezes them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.models.approval import Approvable, approval_constraints
from aims.models.base import BoundedTextField, GovernedModel, ReviewableModel
from aims.roles import Capability
from aims.scope import OrganisationWide
from audit.choices import ActionStatus


class ManagementReview(Approvable, GovernedModel):
    """One management review (a version of it: the core approval workflow, where the
    "approval" is top management's sign-off). Until sign-off its inputs (9.3.2) are read live
    as of ``held_on``; sign-off stores them in ``inputs`` and they are never re-read. Each
    input section can be annotated (``annotations``: section code → text)."""

    SERIES_FIELD = "code"
    APPROVAL_CAPABILITY = Capability.SIGN_OFF_MANAGEMENT_REVIEWS
    COMPARE_FIELDS = ("held_on", "minutes", "conclusions")

    code = models.CharField(
        _("code"), max_length=40, help_text=_("The review's identifier, e.g. MR-2026-1.")
    )
    title = models.CharField(_("title"), max_length=300)
    held_on = models.DateField(_("held on"))
    period_start = models.DateField(_("period from"), null=True, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), related_name="+", blank=True
    )
    other_attendees = models.CharField(_("other attendees"), max_length=500, blank=True)
    annotations = models.JSONField(_("notes on the inputs"), default=dict, blank=True)
    minutes = BoundedTextField(_("minutes"), blank=True)
    conclusions = BoundedTextField(_("conclusions"), blank=True)
    #: The 9.3.2 inputs as they were at sign-off (``audit.review_inputs``); empty before.
    inputs = models.JSONField(_("inputs"), default=dict, blank=True, editable=False)

    SCOPE = OrganisationWide()
    CHANGE_LOG_EXCLUDE = ("created_at", "updated_at", "inputs")

    class Meta:
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")
        ordering = ["-held_on", "code", "-number"]
        indexes = [
            models.Index(fields=["-held_on", "code", "-number", "-id"], name="audit_review_held")
        ]
        constraints = approval_constraints("code")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("management_review", args=[self.pk])


class ReviewAction(ReviewableModel):
    """A decision of a management review (9.3.3) and the action it calls for: owner, due
    date, status; tracked like a corrective action and listed among the next review's
    inputs."""

    REMINDER_DATE_FIELDS = ("due_on",)

    review = models.ForeignKey(
        ManagementReview,
        verbose_name=_("management review"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    decision = BoundedTextField(_("decision"))
    title = models.CharField(_("action"), max_length=300)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("management review action")
        verbose_name_plural = _("management review actions")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["due_on", "id"], name="audit_reviewaction_due")]
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

    def get_absolute_url(self) -> str:
        return self.review.get_absolute_url()
