"""AI system impact assessments (ISO/IEC 42001 6.1.4, 8.4, Annex A.5; ISO/IEC 42005): the
record of seed 000, field by field, with the AI Guidelines for Business' extras, versions and
a review workflow."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.choices import Action, ApprovalStatus
from aims.models.approval import Approvable, approval_constraints
from aims.models.base import BoundedTextField, GovernedModel, ReviewableModel
from aims.scope import ThroughSystems
from impact.choices import (
    AssessmentScope,
    HumanJudgmentDecision,
    ImpactNature,
    PartyKind,
    PrivacyTreatment,
    Reversibility,
    SocialAcceptance,
)

#: The fields of an assessment a person writes (the services take these, in this order).
ASSESSMENT_FIELDS = (
    "ai_system",
    "system_version",
    "assessed_on",
    "responsible",
    "responsible_role",
    "scope",
    "scope_notes",
    "intended_use",
    "foreseeable_misuse",
    "technical_context",
    "societal_context",
    "laws_and_jurisdictions",
    "affected_parties",
    "affected_parties_description",
    "potential_impacts",
    "matrix",
    "severity",
    "likelihood",
    "stakeholders_to_be_informed",
    "stakeholder_communication",
    "linked_risks",
    "reflection_notes",
    "annex_controls",
    "human_judgment",
    "human_judgment_decision",
    "human_judgment_rationale",
    "vulnerable_groups",
    "social_acceptance",
    "pia_information_flows",
    "pia_privacy_risks",
    "pia_evaluation",
    "pia_treatment",
    "pia_plan",
    "owner",
    "review_interval_days",
    "next_review_on",
)


class ImpactAssessment(Approvable, ReviewableModel):
    """One version of the impact assessment of one AI system (and system version).

    Severity and likelihood are 1-based positions on ``matrix`` (3×3 by default); the level is
    derived from it by the services. Versions follow the core's approval workflow: an
    approved version is frozen; a change starts the next version of the same ``series``, which
    carries the content, entries and risk links forward.
    """

    SERIES_FIELD = "series"
    COMPARE_FIELDS = tuple(
        name
        for name in ASSESSMENT_FIELDS  # what a person writes, but links and structured notes
        if name not in ("ai_system", "matrix", "linked_risks", "annex_controls", "human_judgment")
    )

    ai_system = models.ForeignKey(
        "aims.AISystem",
        verbose_name=_("AI system"),
        on_delete=models.PROTECT,
        related_name="impact_assessments",
    )
    system_version = models.CharField(_("AI system version"), max_length=50, blank=True)
    assessed_on = models.DateField(_("date of assessment"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person responsible"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    responsible_role = models.CharField(
        _("responsible role"),
        max_length=200,
        blank=True,
        help_text=_("The function that answers for the assessment, e.g. head of security."),
    )
    scope = ArrayField(
        models.CharField(max_length=10, choices=AssessmentScope.choices),
        verbose_name=_("scope (develop / provide / use)"),
        default=list,
        blank=True,
    )
    scope_notes = models.CharField(_("scope (details)"), max_length=300, blank=True)
    intended_use = BoundedTextField(_("intended use"))
    foreseeable_misuse = BoundedTextField(_("reasonably foreseeable misuse"), blank=True)
    technical_context = BoundedTextField(_("technical context considered"), blank=True)
    societal_context = BoundedTextField(_("societal context considered"), blank=True)
    laws_and_jurisdictions = BoundedTextField(_("applicable laws and jurisdictions"), blank=True)
    affected_parties = ArrayField(
        models.CharField(max_length=12, choices=PartyKind.choices),
        verbose_name=_("affected parties (individuals / groups / society)"),
        default=list,
        blank=True,
    )
    affected_parties_description = BoundedTextField(_("affected parties (details)"), blank=True)
    potential_impacts = BoundedTextField(
        _("potential impacts"),
        blank=True,
        help_text=_(
            "Safety, privacy, discrimination and other consequences, in brief; the "
            "entries below detail them."
        ),
    )
    matrix = models.ForeignKey(
        "risk.RiskMatrix",
        verbose_name=_("matrix"),
        on_delete=models.PROTECT,
        related_name="impact_assessments",
    )
    severity = models.PositiveSmallIntegerField(_("severity"))
    likelihood = models.PositiveSmallIntegerField(_("likelihood"))
    level = models.CharField(_("level"), max_length=30, editable=False)
    level_rank = models.PositiveSmallIntegerField(_("level rank"), editable=False)
    stakeholders_to_be_informed = models.BooleanField(
        _("interested parties to be informed"), default=False
    )
    stakeholder_communication = BoundedTextField(
        _("how interested parties are informed"), blank=True
    )
    linked_risks = models.ManyToManyField(
        "risk.Risk",
        verbose_name=_("linked risks"),
        related_name="impact_assessments",
        blank=True,
        help_text=_("Risks of the 6.1.2 assessment that reflect this one as a whole."),
    )
    reflection_notes = BoundedTextField(_("reflection in the risk assessment (notes)"), blank=True)
    annex_controls = models.ManyToManyField(
        "aims.Requirement",
        verbose_name=_("Annex A controls relied on"),
        related_name="+",
        blank=True,
        help_text=_(
            "ISO/IEC 42001 Annex A controls the mitigations rely on: the Statement of "
            "Applicability warns when one of them is marked not applicable."
        ),
    )
    # --- AI Guidelines for Business (optional sections) ---
    human_judgment = models.JSONField(
        _("human-judgment criteria"),
        default=dict,
        blank=True,
        help_text=_("Notes on each of the eight criteria, by criterion code."),
    )
    human_judgment_decision = models.CharField(
        _("human-judgment decision"),
        max_length=20,
        choices=HumanJudgmentDecision.choices,
        default=HumanJudgmentDecision.NOT_DECIDED,
    )
    human_judgment_rationale = BoundedTextField(_("reasons for the decision"), blank=True)
    vulnerable_groups = BoundedTextField(_("vulnerable groups concerned"), blank=True)
    social_acceptance = models.CharField(
        _("social acceptance"),
        max_length=25,
        choices=SocialAcceptance.choices,
        default=SocialAcceptance.NOT_ASSESSED,
    )
    pia_information_flows = BoundedTextField(
        _("PIA 1: information, flows and stakeholders"), blank=True
    )
    pia_privacy_risks = BoundedTextField(_("PIA 2: privacy risks identified"), blank=True)
    pia_evaluation = BoundedTextField(_("PIA 3: impact and likelihood of each"), blank=True)
    pia_treatment = models.CharField(
        _("PIA 4: treatment"),
        max_length=15,
        choices=PrivacyTreatment.choices,
        default=PrivacyTreatment.NOT_DECIDED,
    )
    pia_plan = BoundedTextField(_("PIA 4: treatment plan"), blank=True)
    # --- Workflow (the core's approval workflow: aims.models.approval) ---
    series = models.UUIDField(
        _("series"),
        default=uuid.uuid4,
        editable=False,
        db_index=True,
        help_text=_("Shared by every version of one assessment."),
    )
    reassessment_due = models.BooleanField(_("reassessment due"), default=False, db_index=True)
    reassessment_reason = BoundedTextField(_("why reassessment is due"), blank=True)

    SCOPE = ThroughSystems("ai_system")
    # Its level code read by the label of its matrix (aims.history).
    CHANGE_LOG_LEVELS = {"level": "matrix"}

    class Meta:
        verbose_name = _("impact assessment")
        verbose_name_plural = _("impact assessments")
        ordering = ["-assessed_on", "-id"]
        # The list's default order, read a page at a time instead of sorting every
        # assessment (about 50 ms of SQL for 50 rows of 10,000 without it).
        indexes = [
            models.Index(fields=["-assessed_on", "-id"], name="impact_assessment_assessed"),
            models.Index(fields=["level_rank", "id"], name="impact_assessment_level"),
            models.Index(fields=["updated_at", "id"], name="impact_assessment_updated"),
            models.Index(fields=["next_review_on", "id"], name="impact_assessment_review"),
        ]
        constraints = [
            *approval_constraints("series"),
            models.CheckConstraint(
                condition=Q(severity__gte=1, likelihood__gte=1),
                name="%(app_label)s_%(class)s_positions_from_one",
            ),
        ]

    def __str__(self) -> str:
        version = f" {self.system_version}" if self.system_version else ""
        return f"{self.ai_system.name}{version} — v{self.number}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("impact_assessment", args=[self.pk])

    # --- The approval workflow's hooks ----------------------------------------------------------
    def approval_check_submit(self) -> None:
        if not self.entries.exists():
            raise ValidationError(_("Record at least one consequence (entry) before submitting."))

    def approval_changes_on_approve(self) -> dict[str, Any]:
        """A pending reassessment is settled; the next review date follows the interval."""
        changes: dict[str, Any] = {"reassessment_due": False, "reassessment_reason": ""}
        if self.review_interval_days and not self.next_review_on:
            today = timezone.localdate()
            changes["next_review_on"] = today + timedelta(days=self.review_interval_days)
        return changes

    def carry_forward(self) -> ImpactAssessment:
        """The content, assessed again today for the system's current version."""
        copy = super().carry_forward()
        copy.assessed_on = timezone.localdate()
        copy.system_version = self.ai_system.version
        copy.next_review_on = None
        copy.reassessment_due, copy.reassessment_reason = False, ""
        return copy

    def carry_forward_relations(self, new: ImpactAssessment) -> None:
        """The linked risks, the Annex A controls relied on, and every entry with its risks."""
        new.linked_risks.set(self.linked_risks.all())
        new.annex_controls.set(self.annex_controls.all())
        for entry in self.entries.all():
            risks = list(entry.risks.all())
            entry.pk, entry.id, entry.assessment = None, None, new
            entry._state.adding = True
            entry.save()
            entry.risks.set(risks)

    def approval_child_changes(self) -> Q:
        """The change records of this version's entries: of those it holds, and of those
        deleted from it (found by the assessment named in the record's ``before``)."""
        kind = ContentType.objects.get_for_model(ImpactEntry)
        held = [str(pk) for pk in self.entries.values_list("pk", flat=True)]
        deleted = Q(action=Action.DELETE, before__assessment_id=self.pk)
        return Q(content_type=kind) & (Q(object_id__in=held) | deleted)

    @classmethod
    def approval_child_edits(cls, changes: models.QuerySet[Any]) -> Q:
        """``approval_child_changes`` for many versions at once: an entry it holds was changed
        by ``changes``, or one was deleted from it."""
        kind = ContentType.objects.get_for_model(ImpactEntry)
        edits = changes.filter(content_type=kind)
        held = ImpactEntry.objects.filter(assessment=OuterRef("pk")).filter(
            Exists(edits.filter(object_id=Cast(OuterRef("pk"), CharField())))
        )
        deleted = edits.annotate(held_by=KeyTextTransform("assessment_id", "before")).filter(
            action=Action.DELETE, held_by=Cast(OuterRef("pk"), CharField())
        )
        return Q(Exists(held)) | Q(Exists(deleted))

    @classmethod
    def reminder_queryset(cls) -> models.QuerySet[ImpactAssessment]:
        """Only the approved version in force is reviewed."""
        return cls._default_manager.filter(status=ApprovalStatus.APPROVED)


class ImpactEntry(GovernedModel):
    """One consequence the AI system can have: for whom, in which area, benefit or harm, how
    severe and likely (on the assessment's matrix), how reversible, and its mitigations; linked
    to the risks it was reflected in."""

    assessment = models.ForeignKey(
        ImpactAssessment,
        verbose_name=_("impact assessment"),
        on_delete=models.CASCADE,
        related_name="entries",
        db_index=False,  # the (assessment, level rank, id) index leads with it
    )
    party_type = models.ForeignKey(
        "aims.Requirement",
        verbose_name=_("affected party type"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("An affected-party type of the library taxonomy."),
    )
    party_description = BoundedTextField(_("affected party (details)"), blank=True)
    impact_area = models.ForeignKey(
        "aims.Requirement",
        verbose_name=_("impact area"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("An impact area of the library taxonomy."),
    )
    nature = models.CharField(
        _("benefit or harm"), max_length=8, choices=ImpactNature.choices, default=ImpactNature.HARM
    )
    description = BoundedTextField(_("consequence"))
    severity = models.PositiveSmallIntegerField(_("severity"))
    likelihood = models.PositiveSmallIntegerField(_("likelihood"))
    level = models.CharField(_("level"), max_length=30, editable=False)
    level_rank = models.PositiveSmallIntegerField(_("level rank"), editable=False)
    reversibility = models.CharField(
        _("reversibility"),
        max_length=12,
        choices=Reversibility.choices,
        default=Reversibility.REVERSIBLE,
    )
    existing_mitigations = BoundedTextField(_("existing mitigations"), blank=True)
    planned_mitigations = BoundedTextField(_("planned mitigations"), blank=True)
    risks = models.ManyToManyField(
        "risk.Risk",
        verbose_name=_("risks"),
        related_name="impact_entries",
        blank=True,
        help_text=_("The risks of the 6.1.2 assessment this consequence is reflected in."),
    )

    SCOPE = ThroughSystems("assessment__ai_system")
    # Its level code read by the label of its assessment's matrix (aims.history).
    CHANGE_LOG_LEVELS = {"level": "assessment.matrix"}

    class Meta:
        verbose_name = _("impact entry")
        verbose_name_plural = _("impact entries")
        # The newest assessment's entries first (by its key: no join to sort by its date),
        # each assessment's gravest first.
        ordering = ["-assessment_id", "-level_rank", "id"]
        indexes = [
            models.Index(
                fields=["-assessment", "-level_rank", "id"], name="impact_entry_assessment"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, likelihood__gte=1),
                name="%(app_label)s_%(class)s_positions_from_one",
            ),
            models.CheckConstraint(
                condition=Q(nature__in=ImpactNature.values), name="%(app_label)s_%(class)s_nature"
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]
