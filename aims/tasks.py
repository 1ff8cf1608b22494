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
