from __future__ import annotations

from celery import shared_task

from aims import services


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
    return services.notification_send_email(notification_id=notification_id)


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
)
def render_report(job_id: int) -> str | None:
    """Render one report job; a finished job is left as it is."""
    job = services.report_job_render(job_id=job_id)
    return job.status if job is not None else None


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def expire_reports() -> int:
    """Daily: remove report files past the retention period."""
    return services.report_jobs_expire()
