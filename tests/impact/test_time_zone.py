"""Dates in the organisation's time zone everywhere: an assessment approved at 00:30 in Tokyo
(15:30 UTC the day before) shows the Tokyo date on its page, in its PDF (rendered outside a
request, as Celery does) and in the list export."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aims.services.reports import report_job_create, report_job_render
from impact.services import impact_assessment_approve, impact_assessment_submit
from tests.impact.test_services import entry, make

NEAR_MIDNIGHT = datetime(2026, 11, 29, 15, 30, tzinfo=UTC)  # 2026-11-30 00:30 in Tokyo


@pytest.fixture
def approved_near_midnight(settings, officer, executive, system):
    settings.TIME_ZONE = "Asia/Tokyo"
    with time_machine.travel(NEAR_MIDNIGHT, tick=False):
        assessment = make(officer, system)
        entry(officer, assessment)
        impact_assessment_submit(actor=officer, assessment=assessment)
        return impact_assessment_approve(actor=executive, assessment=assessment)


def _render(officer, kind, fmt, parameters):
    job = report_job_create(
        actor=officer, kind=kind, format=fmt, language="ja", parameters=parameters
    )
    # A worker process may hold any zone an earlier task left: the report must not depend on it.
    with timezone.override("UTC"), time_machine.travel(NEAR_MIDNIGHT, tick=False):
        job = report_job_render(job_id=job.pk)
    assert job.status == "done", job.error
    with job.file.open("rb") as handle:
        return job, handle.read()


def test_the_approval_date_is_the_same_on_the_page_and_in_the_pdf(
    approved_near_midnight, officer, client_for, tmp_path
):
    assessment = approved_near_midnight
    page = client_for(officer).get(reverse("impact_assessment", args=[assessment.pk]))
    assert page.status_code == 200
    assert "2026-11-30" in page.content.decode()

    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils (pdftotext) is needed to read the PDF")
    job, content = _render(
        officer, "impact_assessment", "pdf", {"impact_assessment": assessment.pk}
    )
    path = tmp_path / "ia.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "2026-11-30" in text  # the approval date and the report's own date
    assert "2026-11-29" not in text
    assert "2026-11-3000:30" in "".join(text.split())  # the cover's generation time
    assert job.file_name.endswith("20261130-0030.pdf")


def test_the_list_exports_carry_the_organisations_wall_time(approved_near_midnight, officer):
    _job, content = _render(officer, "impact_assessment_list", "csv", {})
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0]["approved_at"] == "2026-11-30T00:30:00+09:00"

    _job, content = _render(officer, "impact_assessment_list", "xlsx", {})
    sheet = load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    values = [cell.value for cell in list(sheet.iter_rows(min_row=2, max_row=2))[0]]
    assert values[header.index("approved_at")] == datetime(2026, 11, 30, 0, 30)
