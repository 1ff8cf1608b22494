"""Report jobs: requested in a request, rendered by a task, kept for a while, then removed."""

from __future__ import annotations

import gc
import hashlib
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aims.choices import Language, ReportStatus
from aims.models import ReportJob
from aims.registry import registry
from aims.reports import CONTENT_TYPES
from aims.roles import Capability, has_capability

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


@transaction.atomic
def report_job_create(
    *, actor: Any, kind: str, format: str, language: str, parameters: dict[str, Any]
) -> ReportJob:
    """Validate a report request and queue it. Raises ``ValidationError`` with a field map;
    nothing is created then."""
    report = registry.report_kind(kind)
    if report is None:
        raise ValidationError({"kind": [_("Unknown report kind “%(kind)s”.") % {"kind": kind}]})
    if not has_capability(actor, report.capability):
        raise ValidationError({"kind": [_("You may not request this report.")]})
    errors = _parameter_errors(parameters)
    if errors:
        raise ValidationError(errors)
    if format not in report.formats:
        errors["format"] = [
            _("Choose one of: %(formats)s.") % {"formats": ", ".join(report.formats)}
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
    job = ReportJob.objects.create(
        kind=kind,
        format=format,
        language=language,
        parameters=cleaned,
        requested_by=actor,
        shared=has_capability(actor, Capability.SEE_ALL_RECORDS),
    )
    from aims.tasks import render_report

    transaction.on_commit(lambda: render_report.delay(job.pk))
    return job


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Rendering a long PDF allocates millions of short-lived objects; the cyclic garbage
    collector then spends as long re-scanning them as WeasyPrint spends laying out. Paused for
    the rendering (reference counting still frees almost everything), collected once after:
    a 1,000-risk register renders in 4.8 s instead of 8 s for some 20 MB more peak memory."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


def report_job_render(*, job_id: int) -> ReportJob | None:
    """Render a queued job into its file. Running it again for a finished job does nothing,
    so a redelivered task is harmless."""
    with transaction.atomic():
        job = (
            ReportJob.objects.select_for_update(skip_locked=True)
            .select_related("requested_by")
            .filter(pk=job_id, status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
            .first()
        )
        if job is None:
            return None
        job.status, job.started_at = ReportStatus.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    report = registry.report_kind(job.kind)
    try:
        if report is None:
            raise LookupError(f"unknown report kind {job.kind!r}")
        with tempfile.TemporaryFile() as scratch:
            with translation.override(job.language), _no_cyclic_gc():
                report.render(job, scratch)
            scratch.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: scratch.read(1 << 20), b""):
                digest.update(chunk)
            size = scratch.tell()
            scratch.seek(0)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            job.file_name = f"{job.kind}-{stamp}.{job.format}"
            job.file.save(job.file_name, File(scratch), save=False)
        job.file_sha256, job.file_size = digest.hexdigest(), size
        job.content_type = CONTENT_TYPES[job.format]
        job.status, job.finished_at = ReportStatus.DONE, timezone.now()
    except Exception:  # the job records the failure; details go to the log, not to users
        logger.exception("report job %s failed", job.pk)
        job.status, job.finished_at = ReportStatus.FAILED, timezone.now()
        with translation.override(job.language):
            job.error = _(
                "The report could not be rendered. The administrators can find "
                "the details in the log (job %(id)s)."
            ) % {"id": job.pk}
    job.save()
    return job


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
