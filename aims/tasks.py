from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from aims.services.accounts import notification_send_email
from aims.services.changelog import change_log_anchor_export
from aims.services.reminders import review_digest_send, review_reminders_send
from aims.services.reports import report_job_render, report_jobs_expire, report_jobs_sweep


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification; a second run for the same id sends nothing."""
    return notification_send_email(notification_id=notification_id)


@shared_task(
    acks_late=True,
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=3,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
)
def render_report(job_id: int) -> str | None:
    """Render one report job (on the exports queue); a job taken already is left as it is."""
    job = report_job_render(job_id=job_id)
    return job.status if job is not None else None


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def sweep_jobs() -> dict[str, int]:
    """Every minute (beat): resend report jobs whose message was lost, fail those whose
    worker died. A second run finds nothing more to do."""
    return asdict(report_jobs_sweep())


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def expire_reports() -> int:
    """Daily: remove report files past the retention period."""
    return report_jobs_expire()


@shared_task(
    acks_late=True,
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def send_review_reminders() -> dict[str, int]:
    """Daily (beat): remind owners of records due for review or overdue; a second run on the
    same day sends nothing."""
    return asdict(review_reminders_send())


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    soft_time_limit=120,
    time_limit=180,
)
def send_review_digest(user_id: int, reminder_ids: list[int]) -> bool:
    """E-mail one owner the digest of their new reminders; a second run sends nothing."""
    return review_digest_send(user_id=user_id, reminder_ids=reminder_ids)


@shared_task(
    acks_late=True,
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=3,
    soft_time_limit=60,
    time_limit=90,
)
def export_change_log_anchor() -> int | None:
    """Beat (every CHANGE_LOG_ANCHOR_MINUTES): append the head of the change log to the anchor
    file outside the database; a second run with the same head appends nothing."""
    anchor = change_log_anchor_export()
    return anchor.record_id if anchor is not None else None
