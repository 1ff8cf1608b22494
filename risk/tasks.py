"""Thin Celery tasks of the risk app."""

from __future__ import annotations

from celery import shared_task

from risk.services.acceptance import risk_acceptances_expire


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=300,
    time_limit=360,
)
def expire_risk_acceptances() -> int:
    """Daily: end acceptances past their date and reopen their risks (idempotent)."""
    return risk_acceptances_expire()
