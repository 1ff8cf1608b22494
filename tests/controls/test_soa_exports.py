"""The SoA page's export buttons start the SoA report of the version shown (the reports of
``controls.reports.soa``), and only for those who may export."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aims.models import ReportJob
from aims.services.reports import report_job_render
from controls.services import soa as services
from tests.factories.soa import SoaFactory, decide_all

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def soa(db, officer):
    version = SoaFactory(library=True, actor=officer)
    decide_all(version, actor=officer)
    return version


def test_a_button_of_the_page_queues_the_report_of_the_version_shown(soa, officer, client_for):
    client = client_for(officer)
    page = client.get(reverse("soa"), **EN).content.decode()
    exports = page.split('data-testid="soa-exports"', 1)[1].split("</div>", 1)[0]
    buttons = re.findall(r'name="report" value="([a-z_]+:[a-z]+)"', exports)
    assert "soa:pdf" in buttons and "soa:xlsx" in buttons
    assert f'name="soa" value="{soa.pk}"' in exports
    response = client.post(reverse("reports"), {"report": "soa:xlsx", "soa": soa.pk})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report", args=[job.pk])
    assert (job.kind, job.format, job.parameters["soa"]) == ("soa", "xlsx", soa.pk)


def test_a_reader_who_may_not_export_sees_no_button(soa, viewer, client_for):
    page = client_for(viewer).get(reverse("soa"), **EN).content.decode()
    exports = page.split('data-testid="soa-exports"', 1)[1].split("</div>", 1)[0]
    assert 'name="report"' not in exports


def test_an_approved_version_exports_its_frozen_rows(soa, officer, executive, client_for):
    services.soa_approve(actor=executive, soa=services.soa_submit(actor=officer, soa=soa))
    client = client_for(officer)
    client.post(reverse("reports"), {"report": "soa:csv", "soa": soa.pk})
    job = report_job_render(job_id=ReportJob.objects.get().pk)
    assert job.status == "done" and job.parameters["soa"] == soa.pk
    with job.file.open("rb") as stored:
        lines = stored.read().decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + soa.rows.count()  # a header and one line per row
