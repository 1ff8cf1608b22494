"""The auditor's evidence pack (issue 14): a ZIP of the documented information of a period,
built by a report job (``aims.models.ReportJob``: its task, sweeper, expiry, file, digest and
download rules are the core's) and described here: its scope, period, preset and audit."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.roles import Capability, has_capability
from aims.scope import VIEW, Scope, provided_audits
from audit.choices import PackPreset, PackSection


class EvidencePacks(Scope):
    """Who reads an evidence pack (DESIGN §5; nobody changes one: it is rebuilt, not edited).

    Holders of the export right who see all records (officer, top management, internal
    auditors): their own packs and those built with the full view. An operational member:
    their own (built over their granted systems). An external auditor: the packs of the
    audits their open access window gives them, and only during it. Viewers: none."""

    def rows(self, queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        if action != VIEW or not has_capability(user, Capability.EXPORT):
            return queryset.none()
        if has_capability(user, Capability.SEE_ALL_RECORDS):
            return queryset.filter(Q(job__requested_by=user) | Q(job__shared=True))
        if has_capability(user, Capability.CHANGE_RECORDS):
            return queryset.filter(job__requested_by=user)
        audits = provided_audits(user, VIEW)
        return queryset.filter(audit_id__in=audits) if audits else queryset.none()


class EvidencePack(models.Model):
    """One evidence pack request: what goes in (the AI systems, or all; the period; the
    preset or chosen sections) and for which audit. Its file, status, progress and SHA-256 are
    those of its report job."""

    job = models.OneToOneField(
        "aims.ReportJob",
        verbose_name=_("report job"),
        on_delete=models.CASCADE,
        related_name="evidence_pack",
    )
    all_systems = models.BooleanField(
        _("all AI systems"),
        default=True,
        help_text=_("Every AI system the requester sees; otherwise the chosen ones."),
    )
    ai_systems = models.ManyToManyField(
        "aims.AISystem", verbose_name=_("AI systems"), related_name="+", blank=True
    )
    period_from = models.DateField(_("period from"))
    period_to = models.DateField(_("period until"))
    preset = models.CharField(_("preset"), max_length=20, choices=PackPreset.choices)
    sections = models.JSONField(
        _("sections"),
        default=list,
        blank=True,
        help_text=_("The sections the pack holds (the preset's, or those chosen)."),
    )
    audit = models.ForeignKey(
        "audit.Audit",
        verbose_name=_("audit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence_packs",
    )

    SCOPE = EvidencePacks()

    class Meta:
        verbose_name = _("evidence pack")
        verbose_name_plural = _("evidence packs")
        # Newest first: a pack is made with its job, so its key orders packs as the jobs' times
        # do, off the primary key's index (no join, no sort).
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_from__lte=models.F("period_to")),
                name="%(app_label)s_%(class)s_period_order",
            ),
            models.CheckConstraint(
                condition=Q(preset__in=PackPreset.values), name="%(app_label)s_%(class)s_preset"
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Evidence pack')} #{self.pk} ({self.period_from} – {self.period_to})"

    def get_absolute_url(self) -> str:
        return reverse("evidence_pack", args=[self.pk])

    @property
    def section_labels(self) -> list[str]:
        labels = dict(PackSection.choices)
        return [str(labels.get(code, code)) for code in self.sections]
