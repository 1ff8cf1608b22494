"""The internal audit programme (9.2.2) and its audits (9.2): scope, criteria, dates, the
team, external auditors' access windows, impartiality, checklist rows and findings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.models.approval import Approvable, approval_constraints
from aims.models.base import BoundedTextField, GovernedModel, ReviewableModel, TimeStampedModel
from aims.roles import Capability
from aims.scope import AuditRecords
from audit.choices import AuditStatus, ChecklistResult, FindingKind


class AuditProgramme(Approvable, GovernedModel):
    """One version of an audit programme for a period (e.g. a fiscal year): objectives,
    criteria, frequency, methods, responsibilities and the results of previous audits it
    considered. Drafted by an internal auditor, approved by the governance officer (the core
    approval workflow; versions share ``code``)."""

    SERIES_FIELD = "code"
    APPROVAL_CAPABILITY = Capability.CHANGE_ALL_RECORDS  # the governance officer
    COMPARE_FIELDS = (
        "title",
        "period_start",
        "period_end",
        "objectives",
        "criteria",
        "frequency",
        "methods",
        "responsibilities",
        "previous_results",
    )

    code = models.CharField(
        _("code"), max_length=40, help_text=_("The programme's identifier, e.g. FY2026.")
    )
    title = models.CharField(_("title"), max_length=300)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    objectives = BoundedTextField(_("objectives"), blank=True)
    criteria = BoundedTextField(_("criteria"), blank=True)
    frequency = BoundedTextField(_("frequency"), blank=True)
    methods = BoundedTextField(_("methods"), blank=True)
    responsibilities = BoundedTextField(_("responsibilities"), blank=True)
    previous_results = BoundedTextField(_("results of previous audits considered"), blank=True)

    SCOPE = AuditRecords(audit_path=None)

    class Meta:
        verbose_name = _("audit programme")
        verbose_name_plural = _("audit programmes")
        ordering = ["-period_start", "code", "-number"]
        indexes = [
            models.Index(
                fields=["-period_start", "code", "-number", "-id"], name="audit_programme_period"
            )
        ]
        constraints = [
            *approval_constraints("code"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="%(app_label)s_%(class)s_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("audit_programme", args=[self.pk])


class Audit(ReviewableModel):
    """An internal audit within a programme. ``owner`` is its lead auditor. Its scope names
    the AI systems sampled and the requirements (clauses, Annex A controls, other frameworks'
    items); the audit period is the span the evidence must cover; external auditors read its
    scope only within their access window (``AuditorAccess``)."""

    REMINDER_DATE_FIELDS = ("fieldwork_start",)

    programme = models.ForeignKey(
        AuditProgramme,
        verbose_name=_("audit programme"),
        on_delete=models.PROTECT,
        related_name="audits",
    )
    title = models.CharField(_("title"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead auditor"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("audit team"), related_name="+", blank=True
    )
    ai_systems = models.ManyToManyField(
        "aims.AISystem", verbose_name=_("AI systems sampled"), related_name="audits", blank=True
    )
    requirements = models.ManyToManyField(
        "aims.Requirement",
        verbose_name=_("requirements in scope"),
        related_name="audits",
        blank=True,
    )
    scope_description = BoundedTextField(_("scope"), blank=True)
    criteria = BoundedTextField(_("criteria"), blank=True)
    method = BoundedTextField(_("method"), blank=True)
    period_start = models.DateField(_("audit period from"))
    period_end = models.DateField(_("audit period until"))
    fieldwork_start = models.DateField(_("fieldwork from"), null=True, blank=True)
    fieldwork_end = models.DateField(_("fieldwork until"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AuditStatus.choices,
        default=AuditStatus.PLANNED,
        db_index=True,
    )
    conclusions = BoundedTextField(_("conclusions"), blank=True)

    SCOPE = AuditRecords(audit_path="")

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["-period_start", "title", "id"]
        indexes = [models.Index(fields=["-period_start", "title", "id"], name="audit_audit_period")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AuditStatus.values), name="%(app_label)s_%(class)s_status"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="%(app_label)s_%(class)s_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(fieldwork_start__isnull=True)
                | Q(fieldwork_end__isnull=True)
                | Q(fieldwork_end__gte=F("fieldwork_start")),
                name="%(app_label)s_%(class)s_fieldwork_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("audit", args=[self.pk])


class AuditorAccess(TimeStampedModel):
    """An external auditor named on an audit, with the window in which they may read its
    scope (the audit app's scope provider of ``aims.scope.restrict``)."""

    audit = models.ForeignKey(
        Audit, verbose_name=_("audit"), on_delete=models.CASCADE, related_name="accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("external auditor"),
        on_delete=models.CASCADE,
        related_name="audit_accesses",
    )
    access_from = models.DateTimeField(_("access from"))
    access_until = models.DateTimeField(_("access until"))

    SCOPE = AuditRecords(audit_path="audit")

    class Meta:
        verbose_name = _("external auditor's access")
        verbose_name_plural = _("external auditors' access")
        ordering = ["audit_id", "access_from"]
        indexes = [models.Index(fields=["audit", "access_from", "id"], name="audit_access_from")]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "user"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=Q(access_until__gt=F("access_from")),
                name="%(app_label)s_%(class)s_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit} · {self.user}"


class ImpartialityDeclaration(TimeStampedModel):
    """An auditor of the team who owns (or changed) a record in the audit's scope: what it
    is, and the lead auditor's confirmation that they may still audit it, with the reason.
    Nobody audits their own work without this being recorded."""

    audit = models.ForeignKey(
        Audit, verbose_name=_("audit"), on_delete=models.CASCADE, related_name="impartiality"
    )
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auditor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    conflict = BoundedTextField(_("records of their own in scope"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    reason = BoundedTextField(_("reason"), blank=True)

    SCOPE = AuditRecords(audit_path="audit")

    class Meta:
        verbose_name = _("impartiality declaration")
        verbose_name_plural = _("impartiality declarations")
        ordering = ["audit_id", "auditor_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "auditor"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(reason=""),
                name="%(app_label)s_%(class)s_confirmation_reasoned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit} · {self.auditor}"


class ChecklistRow(TimeStampedModel):
    """One requirement in the audit's scope: the auditor's notes, the items sampled and the
    result. The live records it is about (the clause assessment, the SoA row, the controls and
    the evidence effective in the audit period) are read when the row is shown."""

    audit = models.ForeignKey(
        Audit, verbose_name=_("audit"), on_delete=models.CASCADE, related_name="checklist"
    )
    requirement = models.ForeignKey(
        "aims.Requirement",
        verbose_name=_("requirement"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auditor"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    notes = BoundedTextField(_("notes"), blank=True)
    sample = BoundedTextField(_("items sampled"), blank=True)
    result = models.CharField(
        _("result"),
        max_length=20,
        choices=ChecklistResult.choices,
        default=ChecklistResult.NOT_ASSESSED,
        db_index=True,
    )

    SCOPE = AuditRecords(audit_path="audit")

    class Meta:
        verbose_name = _("checklist row")
        verbose_name_plural = _("checklist rows")
        ordering = ["audit_id", "order", "id"]
        indexes = [models.Index(fields=["audit", "order", "id"], name="audit_checklistrow_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "requirement"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=Q(result__in=ChecklistResult.values),
                name="%(app_label)s_%(class)s_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit} · {self.requirement}"

    def get_absolute_url(self) -> str:
        return reverse("audit_checklist_row", args=[self.pk])


class Finding(GovernedModel):
    """What an audit found against a requirement: a conformity, a major or minor
    nonconformity (which opens a ``Nonconformity``), an observation or an opportunity for
    improvement, citing the evidence versions seen (within the audit's scope)."""

    audit = models.ForeignKey(
        Audit,
        verbose_name=_("audit"),
        on_delete=models.CASCADE,
        related_name="findings",
        db_index=False,  # the (audit, id) index leads with it
    )
    checklist_row = models.ForeignKey(
        ChecklistRow,
        verbose_name=_("checklist row"),
        on_delete=models.SET_NULL,
        related_name="findings",
        null=True,
        blank=True,
    )
    requirement = models.ForeignKey(
        "aims.Requirement",
        verbose_name=_("requirement"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=FindingKind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = BoundedTextField(_("description"))
    evidence_versions = models.ManyToManyField(
        "controls.EvidenceVersion",
        verbose_name=_("evidence seen"),
        related_name="findings",
        blank=True,
    )
    evidence_notes = BoundedTextField(_("other evidence seen"), blank=True)

    SCOPE = AuditRecords(audit_path="audit")

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["audit_id", "id"]
        indexes = [models.Index(fields=["audit", "id"], name="audit_finding_audit")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FindingKind.values), name="%(app_label)s_%(class)s_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("audit_finding", args=[self.pk])


class AuditReport(Approvable, TimeStampedModel):
    """One revision of an audit's report: the audit as it stood when the report was drafted
    (``content``, frozen with the revision when it is issued: the core approval workflow,
    approved by another internal auditor), its conclusions, and for a revision the reason for
    the correction."""

    SERIES_FIELD = "audit"
    APPROVAL_CAPABILITY = Capability.MANAGE_AUDITS
    COMPARE_FIELDS = ("summary", "conclusions", "revision_reason")

    audit = models.ForeignKey(
        Audit, verbose_name=_("audit"), on_delete=models.CASCADE, related_name="reports"
    )
    summary = BoundedTextField(_("summary"), blank=True)
    conclusions = BoundedTextField(_("conclusions"), blank=True)
    revision_reason = BoundedTextField(_("reason for the revision"), blank=True)
    #: The audit's scope, team, method, sample, checklist and findings as the report states
    #: them (``audit.snapshot``), taken when the revision is submitted and frozen on issue.
    content = models.JSONField(_("content"), default=dict, blank=True, editable=False)

    SCOPE = AuditRecords(audit_path="audit")
    CHANGE_LOG_EXCLUDE = ("created_at", "updated_at", "content")

    class Meta:
        verbose_name = _("audit report")
        verbose_name_plural = _("audit reports")
        ordering = ["audit_id", "-number"]
        indexes = [models.Index(fields=["audit", "-number", "-id"], name="audit_report_number")]
        constraints = approval_constraints("audit")

    def __str__(self) -> str:
        return str(_("%(audit)s report v%(number)s") % {"audit": self.audit, "number": self.number})

    def get_absolute_url(self) -> str:
        return reverse("audit_report", args=[self.pk])
