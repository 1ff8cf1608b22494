from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aims.choices import Language, ReportFormat, ReportStatus
from aims.scope import ReportJobs


class ReportJob(models.Model):
    """One report or export, rendered by a background task into a file.

    The file holds what ``requested_by`` could see when it was rendered, so it is served to
    them; a job of someone who sees all records (``shared``) may also be downloaded by the
    others who see all records and may export. Files are removed after the retention period
    (the job then reads ``expired``).
    """

    kind = models.CharField(_("kind"), max_length=40)
    format = models.CharField(_("format"), max_length=8, choices=ReportFormat.choices)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="report_jobs",
    )
    shared = models.BooleanField(
        _("shared"),
        default=False,
        help_text=_("Rendered with full visibility, so others who see everything may download it."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    enqueued_at = models.DateTimeField(
        _("sent to a worker at"),
        null=True,
        blank=True,
        help_text=_("When the job was last sent to the workers' queue (the sweeper resends it)."),
    )
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), null=True, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(_("files done"), default=0)
    progress_total = models.PositiveIntegerField(
        _("files in all"), null=True, blank=True, help_text=_("Unknown until counted.")
    )

    SCOPE = ReportJobs()

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="aims_reportjob_created"),
            # The sweeper looks at the unfinished jobs every minute.
            models.Index(
                fields=["status", "created_at"],
                condition=Q(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]),
                name="aims_reportjob_unfinished",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="%(app_label)s_%(class)s_status"
            ),
            models.CheckConstraint(
                condition=Q(format__in=ReportFormat.values), name="%(app_label)s_%(class)s_format"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.DONE) | ~Q(file_sha256=""),
                name="%(app_label)s_%(class)s_done_has_digest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in {ReportStatus.DONE, ReportStatus.FAILED, ReportStatus.EXPIRED}
