"""Report jobs."""

from __future__ import annotations

from typing import Any

import factory

from aims.choices import Role
from aims.models import ReportJob
from aims.services.reports import report_job_create, report_job_render
from tests.factories.accounts import UserFactory
from tests.factories.base import ServiceFactory


class ReportJobFactory(ServiceFactory):
    """A report job requested by ``requested_by`` (a governance officer unless given) through
    ``report_job_create``: the AI system inventory as CSV unless told otherwise. It stays
    queued (no worker runs in tests) unless ``render=True``, which renders it in-process with
    ``report_job_render``. Report jobs are not governed records: no change record."""

    class Meta:
        model = ReportJob

    requested_by = factory.SubFactory(UserFactory, roles=[Role.GOVERNANCE_OFFICER])
    kind = "ai_system_inventory"
    format = "csv"
    language = "en"
    parameters = factory.LazyFunction(dict)
    render = False

    @classmethod
    def create_through_service(
        cls, *, actor: Any, requested_by: Any, render: bool, **fields: Any
    ) -> ReportJob:
        job = report_job_create(actor=requested_by, **fields)
        if render:
            job = report_job_render(job_id=job.pk) or job
        return job
