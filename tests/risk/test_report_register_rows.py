"""The register section of the risk register PDF over several pages: every risk is a row with
its cells (code and title, levels with their scores, treatment and its open actions, status and
owner, next review), the column headings repeat on each page, the shipped Japanese font is
embedded; and the stylesheet reports are rendered with."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from aims.choices import ReportStatus
from aims.reports.pdf import user_agent_stylesheet
from aims.services.reports import report_job_create, report_job_render
from risk.services.register import risk_create
from risk.services.treatment import treatment_action_create

POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts")
COUNT = 60


@pytest.fixture
def many(officer, system, m5):
    risks = [
        risk_create(
            actor=officer,
            title=f"学習データの偏りによる不公平な判定その{n:03d}",
            ai_systems=[system],
            inherent_likelihood=1 + n % 5,
            inherent_impact=5,
            residual_likelihood=1,
            residual_impact=1 + n % 5,
        )
        for n in range(COUNT)
    ]
    treatment_action_create(actor=officer, risk=risks[7], title="四半期ごとの検証")
    return risks


def render(user, language):
    job = report_job_create(
        actor=user, kind="risk_register", format="pdf", language=language, parameters={}
    )
    job = report_job_render(job_id=job.pk)
    assert job.status == ReportStatus.DONE, job.error
    with job.file.open("rb") as handle:
        return handle.read()


def poppler(tool, content, tmp_path, *options):
    path = tmp_path / "register.pdf"
    path.write_bytes(content)
    args = [tool, *options, str(path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts) not installed")
def test_every_risk_is_a_row_of_the_register_with_its_cells(officer, many, tmp_path):
    content = render(officer, "en")
    text = poppler("pdftotext", content, tmp_path, "-layout")
    register = text[text.rindex("Risk register") : text.rindex("Accepted risks")]
    for risk in many:
        line = next((row for row in register.splitlines() if risk.code in row), None)
        assert line is not None, risk.code
        assert risk.title in line
        assert f"{risk.inherent_likelihood}×{risk.inherent_impact}" in line
        assert f"{risk.residual_likelihood}×{risk.residual_impact}" in line
    flowing = " ".join(poppler("pdftotext", content, tmp_path).split())
    assert "(1 of 1 actions open)" in flowing
    assert len(re.findall(r"Next review", register)) > 1  # headings on each page of rows
    pages = register.count("\f")  # each page of the register ends with a form feed
    assert pages > 1 and register.count("No. / Title") == pages
    fonts = poppler("pdffonts", content, tmp_path)
    shipped = [line for line in fonts.splitlines() if "AIMS-Japanese" in line]
    assert shipped and all("yes yes yes" in line for line in shipped), fonts


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts) not installed")
def test_the_japanese_register_keeps_the_japanese_text(officer, many, tmp_path):
    text = poppler("pdftotext", render(officer, "ja"), tmp_path)
    for risk in many:
        assert f"{risk.code} {risk.title}" in text


def test_reports_render_with_the_lighter_html_stylesheet():
    from weasyprint import html

    sheet = user_agent_stylesheet()
    # Not the stock stylesheet it falls back to when WeasyPrint's text changed: the rules
    # removed are exactly the footnote and note ones, list markers stay styled.
    assert sheet is not html.UA_STYLESHEET
    assert sheet is user_agent_stylesheet()
