"""Report jobs: requested in a request, rendered by a task, kept for a while, then removed."""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aims.choices import Language, ReportFormat, ReportStatus
from aims.models import ReportJob
from aims.registry import registry
from aims.reports import CONTENT_TYPES
from aims.roles import Capability, has_capability
from aims.unavailable import BROKER_ERRORS, JobQueueUnavailable

logger = logging.getLogger(__name__)

#: Bounds of a report request's parameters (a page's filters need far less): how many
#: parameters, how long a name, how many values in one, how long one value.
REPORT_MAX_PARAMETERS = 30
REPORT_PARAMETER_NAME_MAX_CHARS = 100
REPORT_PARAMETER_MAX_VALUES = 100
REPORT_PARAMETER_VALUE_MAX_CHARS = 500


def _parameter_errors(parameters: dict[str, Any]) -> dict[str, list[str]]:
    """What is wrong with the shape of report parameters, before any report reads them."""
    if len(parameters) > REPORT_MAX_PARAMETERS:
        message = _("At most %(max)d parameters.") % {"max": REPORT_MAX_PARAMETERS}
        return {"parameters": [message]}
    if any(len(str(name)) > REPORT_PARAMETER_NAME_MAX_CHARS for name in parameters):
        return {"parameters": [_("Unknown parameter.")]}
    errors: dict[str, list[str]] = {}
    for name, value in parameters.items():
        values = value if isinstance(value, list) else [value]
        if len(values) > REPORT_PARAMETER_MAX_VALUES:
            errors[name] = [_("At most %(max)d values.") % {"max": REPORT_PARAMETER_MAX_VALUES}]
        elif not all(isinstance(v, str | int | float | bool) or v is None for v in values):
            errors[name] = [_("Give text, a number or a list of them.")]
        elif any(len(str(v)) > REPORT_PARAMETER_VALUE_MAX_CHARS for v in values):
            errors[name] = [
                _("At most %(max)d characters.") % {"max": REPORT_PARAMETER_VALUE_MAX_CHARS}
            ]
    return errors


def report_job_create(
    *, actor: Any, kind: str, format: str, language: str, parameters: dict[str, Any]
) -> ReportJob:
    """Validate a report request and queue it. Raises ``ValidationError`` with a field map;
    nothing is created then. Raises ``JobQueueUnavailable`` when the job cannot be sent to the
    workers (Redis down): the job is removed again, so no request waits forever."""
    report = registry.report_kind(kind)
    if report is None:
        raise ValidationError({"kind": [_("Unknown report kind “%(kind)s”.") % {"kind": kind}]})
    if not has_capability(actor, report.capability):
        raise ValidationError({"kind": [_("You may not request this report.")]})
    errors = _parameter_errors(parameters)
    if errors:
        raise ValidationError(errors)
    if format not in report.formats:
        labels = dict(ReportFormat.choices)
        errors["format"] = [
            _("“%(kind)s” is not offered as %(format)s. Choose one of: %(formats)s.")
            % {
                "kind": report.label,
                "format": labels.get(format, format[:20] or "—"),
                "formats": ", ".join(labels.get(code, code) for code in report.formats),
            }
        ]
    if language not in Language.values:
        errors["language"] = [_("Choose ja or en.")]
    try:
        cleaned = report.clean(actor, parameters)
    except ValidationError as error:
        errors.update(
            error.message_dict if hasattr(error, "error_dict") else {"parameters": error.messages}
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        job = ReportJob.objects.create(
            kind=kind,
            format=format,
            language=language,
            parameters=cleaned,
            requested_by=actor,
            shared=has_capability(actor, Capability.SEE_ALL_RECORDS),
            enqueued_at=timezone.now(),
        )
        # Sent once the row is committed (a worker must find it); if that fails, the row goes
        # and the caller hears of it (503), also when an outer transaction commits later.
        transaction.on_commit(functools.partial(_send_or_withdraw, job.pk))
    return job


def report_job_retry(*, actor: Any, job: ReportJob) -> ReportJob:
    """Request a failed (or expired) report again, with the same kind, format, language and
    filters, as a new job of ``actor``; checked as any new request is."""
    if job.status not in (ReportStatus.FAILED, ReportStatus.EXPIRED):
        raise ValidationError(
            {"status": [_("Only a failed or expired report can be requested again.")]}
        )
    return report_job_create(
        actor=actor,
        kind=job.kind,
        format=job.format,
        language=job.language,
        parameters=dict(job.parameters),
    )


def _send(job_id: int) -> None:
    from aims.tasks import render_report

    render_report.delay(job_id)


def _send_or_withdraw(job_id: int) -> None:
    try:
        _send(job_id)
    except BROKER_ERRORS as error:
        logger.warning("report job %s could not be queued, withdrawn: %s", job_id, error)
        ReportJob.objects.filter(pk=job_id, status=ReportStatus.QUEUED).delete()
        raise JobQueueUnavailable from error


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Rendering a long PDF allocates millions of short-lived objects; the cyclic garbage
    collector then spends as long re-scanning them as WeasyPrint spends laying out. Paused for
    the whole job (reference counting still frees almost everything), collected once after the
    job's outcome is written: a 1,000-risk register renders in 4.8 s instead of 8 s for some
    20 MB more peak memory, and the half second of freeing the laid-out document (cyclic
    garbage) no longer delays the file its requester waits for."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


def report_job_render(*, job_id: int) -> ReportJob | None:
    """Render a queued job into its file. Only a queued job is taken, and only once: a
    redelivered or resent task finds it running or finished and does nothing. A job whose
    worker dies stays running until the sweeper fails it (``report_jobs_sweep``)."""
    with _no_cyclic_gc():
        return _render(job_id)


def _render(job_id: int) -> ReportJob | None:
    now = timezone.now()
    claimed = ReportJob.objects.filter(pk=job_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, started_at=now
    )
    if not claimed:
        return None
    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    report = registry.report_kind(job.kind)
    try:
        if report is None:
            raise LookupError(f"unknown report kind {job.kind!r}")
        with tempfile.TemporaryFile() as scratch:
            # Rendered outside a request (Celery): dates are the organisation's, explicitly.
            with translation.override(job.language), timezone.override(settings.TIME_ZONE):
                report.render(job, scratch)
            scratch.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: scratch.read(1 << 20), b""):
                digest.update(chunk)
            size = scratch.tell()
            scratch.seek(0)
            stamp = timezone.localtime(timezone=ZoneInfo(settings.TIME_ZONE)).strftime(
                "%Y%m%d-%H%M"
            )
            job.file_name = f"{job.kind}-{stamp}.{job.format}"
            job.file.save(job.file_name, File(scratch), save=False)
        job.file_sha256, job.file_size = digest.hexdigest(), size
        job.content_type = CONTENT_TYPES[job.format]
        job.status, job.finished_at = ReportStatus.DONE, timezone.now()
    except SoftTimeLimitExceeded:
        logger.warning("report job %s stopped at its time limit", job.pk)
        job.status, job.finished_at = ReportStatus.FAILED, timezone.now()
        with translation.override(job.language):
            job.error = _(
                "The report took longer than %(minutes)s minutes and was stopped. Narrow "
                "the filters, or try again later."
            ) % {"minutes": settings.REPORT_SOFT_TIME_LIMIT // 60}
    except Exception:  # the job records the failure; details go to the log, not to users
        logger.exception("report job %s failed", job.pk)
        job.status, job.finished_at = ReportStatus.FAILED, timezone.now()
        with translation.override(job.language):
            job.error = _(
                "The report could not be rendered. The administrators can find "
                "the details in the log (job %(id)s)."
            ) % {"id": job.pk}
    fields = [
        "status",
        "finished_at",
        "error",
        "file",
        "file_name",
        "file_size",
        "file_sha256",
        "content_type",
    ]
    # Only over a job still running: if the sweeper failed it meanwhile, its word stands.
    still_running = ReportJob.objects.filter(pk=job.pk, status=ReportStatus.RUNNING)
    if not still_running.update(**{name: getattr(job, name) for name in fields}):
        if job.file:
            job.file.delete(save=False)
        job.refresh_from_db()
    elif job.status == ReportStatus.DONE and report is not None and report.finished is not None:
        report.finished(job)
    return job


def report_job_progress(*, job: ReportJob, done: int, total: int | None) -> None:
    """Record how far a running job is (files done of ``total``), for its page to show."""
    ReportJob.objects.filter(pk=job.pk, status=ReportStatus.RUNNING).update(
        progress_done=done, progress_total=total
    )


@dataclass(frozen=True)
class SweepOutcome:
    resent: int
    failed: int


def report_jobs_sweep(*, now: Any = None) -> SweepOutcome:
    """Leave no job stuck (run every ``JOB_SWEEP_INTERVAL`` seconds by beat; idempotent).

    * a running job started longer ago than the hard time limit has lost its worker (killed,
      out of memory, the machine restarted): it is failed with a message its requester reads,
      and may be requested again;
    * a job still queued after ``JOB_REQUEUE_AFTER`` seconds may have lost its message (Redis
      restarted empty, or was down): it is sent again (a second message finds it taken and does
      nothing); one still queued after ``JOB_QUEUED_MAX`` seconds is failed.
    """
    now = now or timezone.now()
    failed = 0
    stale = ReportJob.objects.filter(
        status=ReportStatus.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.REPORT_TIME_LIMIT),
    )
    for job in stale.only("pk", "language", "started_at"):
        with translation.override(job.language):
            error = _(
                "The report was not finished within %(minutes)s minutes: the worker rendering "
                "it stopped. Request it again; if it fails again, ask your administrator."
            ) % {"minutes": -(-settings.REPORT_TIME_LIMIT // 60)}
        failed += _fail(job, ReportStatus.RUNNING, error, now)
    abandoned = ReportJob.objects.filter(
        status=ReportStatus.QUEUED,
        created_at__lt=now - timedelta(seconds=settings.JOB_QUEUED_MAX),
    )
    for job in abandoned.only("pk", "language"):
        with translation.override(job.language):
            error = _(
                "No worker took the report within %(hours)s hours. Request it again; if it "
                "fails again, ask your administrator."
            ) % {"hours": settings.JOB_QUEUED_MAX // 3600}
        failed += _fail(job, ReportStatus.QUEUED, error, now)
    due = now - timedelta(seconds=settings.JOB_REQUEUE_AFTER)
    waiting = ReportJob.objects.filter(status=ReportStatus.QUEUED, created_at__lt=due).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=due)
    )
    resent = 0
    for job_id in waiting.values_list("pk", flat=True):
        try:
            _send(job_id)
        except BROKER_ERRORS as error:  # the next sweep tries again
            logger.warning("report jobs could not be resent: %s", error)
            break
        ReportJob.objects.filter(pk=job_id).update(enqueued_at=now)
        resent += 1
    if resent or failed:
        logger.info("Job sweep: %d report jobs resent, %d failed.", resent, failed)
    return SweepOutcome(resent=resent, failed=failed)


def _fail(job: ReportJob, status: str, error: str, now: Any) -> int:
    # Conditional, so a job that finished or was taken meanwhile is left as it is.
    return ReportJob.objects.filter(pk=job.pk, status=status).update(
        status=ReportStatus.FAILED, finished_at=now, error=error
    )


def report_jobs_expire(*, now: Any = None) -> int:
    """Remove the files of jobs older than ``REPORT_RETENTION_DAYS``; the jobs stay, marked
    expired. Returns how many were expired."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.REPORT_RETENTION_DAYS)
    count = 0
    old = ReportJob.objects.filter(created_at__lt=cutoff).exclude(status=ReportStatus.EXPIRED)
    for job in old.exclude(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]).iterator():
        if job.file:
            job.file.delete(save=False)
        job.status = ReportStatus.EXPIRED
        job.file_name, job.file_size = "", None
        job.save(update_fields=["status", "file", "file_name", "file_size"])
        count += 1
    return count
