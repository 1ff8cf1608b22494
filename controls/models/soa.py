"""The Statement of Applicability (6.1.3 d): one version of the whole SoA on the core's
approval workflow, its rows (one per Annex A control, plus controls of other sources the
organisation adds), and the waivers of its consistency checks.

A draft's rows are live: they are edited and their links (implementing controls, evidence)
read as they stand. Approving a version freezes it: each row's ``frozen`` holds what the row
showed at that moment (``controls.snapshot.row_snapshot``), and a frozen version is read from
there, never from the live links, so changing a control later leaves an approved SoA as it was.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.choices import Action, ApprovalStatus
from aims.models.approval import Approvable, approval_constraints
from aims.models.base import BoundedTextField, ReviewableModel, TimeStampedModel
from aims.scope import OrganisationWide
from controls.choices import ImplementationStatus, JustificationType, SoaCheck


class StatementOfApplicability(Approvable, ReviewableModel):
    """One version of the organisation's Statement of Applicability. Versions form one series
    (``series``) and move through the core's approval workflow; the version approved at a
    date is the one reports and evidence packs use (``controls.selectors.soa_in_effect``)."""

    SERIES_FIELD = "series"
    COMPARE_FIELDS = ("change_summary",)

    series = models.CharField(_("series"), max_length=20, default="soa", editable=False)
    change_summary = models.CharField(_("what changed"), max_length=300, blank=True)
    #: The result of the consistency checks when the version was approved (a list of
    #: ``controls.snapshot.check_snapshot`` items), empty while it is a draft.
    frozen_checks = models.JSONField(_("checks when approved"), default=list, blank=True)

    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("Statement of Applicability")
        verbose_name_plural = _("Statements of Applicability")
        ordering = ["-number"]
        constraints = approval_constraints("series")
        indexes = [models.Index(fields=["number", "id"], name="controls_soa_number")]

    def __str__(self) -> str:
        return str(_("Statement of Applicability v%(number)s") % {"number": self.number})

    def get_absolute_url(self) -> str:
        return reverse("soa_version", args=[self.pk])

    # --- The approval workflow's hooks (the work is in ``controls.services.soa``) -----------
    def approval_check_submit(self) -> None:
        from controls.services.soa import soa_refuse_unresolved

        soa_refuse_unresolved(self)

    def approval_check_approve(self) -> None:
        from controls.services.soa import soa_refuse_unresolved

        soa_refuse_unresolved(self)

    def approval_on_approve(self) -> None:
        """Every row's content and the checks' result are frozen as they stand now."""
        from controls.services.soa import soa_freeze

        soa_freeze(self)

    def carry_forward(self) -> StatementOfApplicability:
        copy = super().carry_forward()
        copy.frozen_checks = []
        copy.change_summary = ""
        copy.next_review_on = None
        return copy

    def carry_forward_relations(self, new: StatementOfApplicability) -> None:
        """The rows (fields, owner, implementing controls, evidence) and the waivers."""
        from controls.services.soa import soa_carry_forward

        soa_carry_forward(self, new)

    def approval_child_changes(self) -> Q:
        """The change records of this version's rows and waivers: of those it holds, and of
        those removed from it (found by the version named in the record's ``before``)."""
        parts = []
        for model, held in (
            (ApplicabilityStatement, self.rows.values_list("pk", flat=True)),
            (SoaCheckWaiver, self.waivers.values_list("pk", flat=True)),
        ):
            kind = ContentType.objects.get_for_model(model)
            deleted = Q(action=Action.DELETE, before__soa_id=self.pk)
            parts.append(
                Q(content_type=kind) & (Q(object_id__in=[str(pk) for pk in held]) | deleted)
            )
        return parts[0] | parts[1]

    @classmethod
    def approval_child_edits(cls, changes: models.QuerySet[Any]) -> Q:
        """``approval_child_changes`` for many versions at once."""
        parts = []
        for model in (ApplicabilityStatement, SoaCheckWaiver):
            kind = ContentType.objects.get_for_model(model)
            edits = changes.filter(content_type=kind)
            held = model._default_manager.filter(soa=OuterRef("pk")).filter(
                Exists(edits.filter(object_id=Cast(OuterRef("pk"), CharField())))
            )
            deleted = edits.annotate(held_by=KeyTextTransform("soa_id", "before")).filter(
                action=Action.DELETE, held_by=Cast(OuterRef("pk"), CharField())
            )
            parts.append(Q(Exists(held)) | Q(Exists(deleted)))
        return parts[0] | parts[1]

    @classmethod
    def reminder_queryset(cls) -> models.QuerySet[StatementOfApplicability]:
        """Only the approved version in force is reviewed."""
        return cls._default_manager.filter(status=ApprovalStatus.APPROVED)


class ApplicabilityStatement(TimeStampedModel):
    """One row of a version of the SoA: a control (an Annex A control of the library, or a
    requirement of another framework the organisation adds, as 6.1.3 allows), whether it
    applies, why (the justification's type and text; an exclusion always says why), how far
    it is implemented, the organisation's controls that implement it and the evidence."""

    soa = models.ForeignKey(
        StatementOfApplicability,
        verbose_name=_("Statement of Applicability"),
        on_delete=models.CASCADE,
        related_name="rows",
    )
    requirement = models.ForeignKey(
        "aims.Requirement",
        verbose_name=_("control"),
        on_delete=models.PROTECT,
        related_name="applicability_statements",
    )
    #: Null until the owner decides.
    applicable = models.BooleanField(_("applicable"), null=True, blank=True)
    justification_type = models.CharField(
        _("justification type"), max_length=30, choices=JustificationType.choices, blank=True
    )
    justification = BoundedTextField(_("justification"), blank=True)
    implementation_status = models.CharField(
        _("implementation status"),
        max_length=20,
        choices=ImplementationStatus.choices,
        default=ImplementationStatus.NOT_IMPLEMENTED,
    )
    controls = models.ManyToManyField(
        "controls.Control",
        verbose_name=_("implementing controls"),
        related_name="applicability_statements",
        blank=True,
    )
    evidence = models.ManyToManyField(
        "controls.Evidence",
        verbose_name=_("evidence"),
        related_name="applicability_statements",
        blank=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    #: What the row showed when its version was approved (``controls.snapshot.row_snapshot``);
    #: empty while the version is a draft or in review.
    frozen = models.JSONField(_("frozen content"), default=dict, blank=True, editable=False)

    SCOPE = OrganisationWide()
    CHANGE_LOG_EXCLUDE = ("created_at", "updated_at", "frozen")

    class Meta:
        verbose_name = _("SoA row")
        verbose_name_plural = _("SoA rows")
        ordering = ["soa_id", "requirement__framework_id", "requirement__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["soa", "requirement"], name="%(app_label)s_%(class)s_one_row_per_control"
            ),
            models.CheckConstraint(
                condition=Q(justification_type="")
                | Q(justification_type__in=JustificationType.values),
                name="%(app_label)s_%(class)s_justification_type",
            ),
            models.CheckConstraint(
                condition=Q(implementation_status__in=ImplementationStatus.values),
                name="%(app_label)s_%(class)s_implementation_status",
            ),
            # An exclusion always says why (6.1.3 d).
            models.CheckConstraint(
                condition=~Q(applicable=False) | ~Q(justification=""),
                name="%(app_label)s_%(class)s_exclusion_justified",
            ),
        ]

    def __str__(self) -> str:
        return str(self.requirement)

    def get_absolute_url(self) -> str:
        return reverse("soa_row", args=[self.pk])


class SoaCheckWaiver(TimeStampedModel):
    """A consistency check of one SoA row set aside on purpose, with the reason: it no longer
    blocks the approval of the version. Carried forward to the next version."""

    soa = models.ForeignKey(
        StatementOfApplicability,
        verbose_name=_("Statement of Applicability"),
        on_delete=models.CASCADE,
        related_name="waivers",
    )
    requirement = models.ForeignKey(
        "aims.Requirement",
        verbose_name=_("control"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    check_code = models.CharField(_("check"), max_length=40, choices=SoaCheck.choices)
    reason = BoundedTextField(_("reason"))
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("waived by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("waiver of an SoA check")
        verbose_name_plural = _("waivers of SoA checks")
        ordering = ["soa_id", "requirement_id", "check_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["soa", "requirement", "check_code"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=Q(check_code__in=SoaCheck.values), name="%(app_label)s_%(class)s_check"
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="%(app_label)s_%(class)s_reason_given"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requirement} · {self.get_check_code_display()}"
