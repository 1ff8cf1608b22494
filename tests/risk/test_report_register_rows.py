"""The register section of the risk register PDF over several pages: every risk is one entry
of two lines holding its number and title, AI systems, levels with their scores, treatment and its
open actions, status and owner, and next review; no entry is split over two pages; each entry's
bar has the colour of its residual level; the shipped Japanese font is embedded; and the
stylesheet reports are rendered with."""

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
def test_every_risk_is_one_entry_of_the_register_on_one_page(officer, many, system, tmp_path):
    content = render(officer, "en")
    text = poppler("pdftotext", content, tmp_path, "-layout")
    register = text[text.rindex("Risk register") : text.rindex("Accepted risks")]
    pages = register.split("\f")  # pdftotext ends each page with a form feed
    assert len(pages) > 2  # the section's entries run over several pages
    codes = [risk.code for risk in many]
    for risk in many:
        risk.refresh_from_db()  # an action moved one into treatment
        page = next((page for page in pages if risk.code in page), None)
        assert page is not None, risk.code
        # The entry: from its number to the next risk's number on the same page.
        entry = page[page.index(risk.code) :]
        following = [entry.index(code) for code in codes if code != risk.code and code in entry]
        entry = " ".join(entry[: min(following, default=len(entry))].split())
        assert entry.startswith(f"{risk.code} {risk.title} | AI systems: {system.name}"), entry
        level = risk.matrix.level_label
        inherent = f"{level(risk.inherent_level)} {risk.inherent_likelihood}×{risk.inherent_impact}"
        residual = f"{level(risk.residual_level)} {risk.residual_likelihood}×{risk.residual_impact}"
        assert f"Inherent {inherent} → residual {residual} | " in entry, entry
        state = f"{risk.get_status_display()} · {officer.get_full_name()}"
        assert f"| {state} | next review " in entry, entry
        review = risk.next_review_on.isoformat() if risk.next_review_on else "—"
        assert f"| next review {review}" in entry, entry
    flowing = " ".join(poppler("pdftotext", content, tmp_path).split())
    assert "(1 of 1 actions open)" in flowing
    fonts = poppler("pdffonts", content, tmp_path)
    shipped = [line for line in fonts.splitlines() if "AIMS-Japanese" in line]
    assert shipped and all("yes yes yes" in line for line in shipped), fonts


def test_each_entry_has_the_bar_of_its_residual_level(officer, many, m5):
    from django.template.loader import render_to_string

    from aims.models import ReportJob
    from risk.reports import pdf_context

    job = ReportJob.objects.create(
        kind="risk_register", format="pdf", language="en", parameters={}, requested_by=officer
    )
    html = render_to_string("risk/report_register.html", pdf_context(job))
    for level in m5.levels:
        rule = f"p.lv-{m5.pk}-{level['code']}-bar {{ border-left-color: {level['colour']}; }}"
        assert rule in html
    for risk in many:
        entry = re.search(rf'<p class="risk ([^"]+)">{re.escape(risk.code)} ', html)
        assert entry is not None and entry[1] == f"lv-{m5.pk}-{risk.residual_level}-bar"


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


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts) not installed")
def test_a_title_without_a_break_wraps_inside_the_page(officer, system, m5, tmp_path):
    token = "X" * 120 + "Y" * 120  # no space: the entry has to break inside the word
    risk = risk_create(
        actor=officer,
        title=token,
        ai_systems=[system],
        inherent_likelihood=2,
        inherent_impact=2,
        residual_likelihood=1,
        residual_impact=1,
    )
    text = poppler("pdftotext", render(officer, "en"), tmp_path)
    register = text[text.rindex("Risk register") : text.rindex("Accepted risks")]
    # Text beyond the page's edge is not extracted: every letter is there, so none is beyond.
    assert risk.code in register
    assert register.count("X") == 120 and register.count("Y") == 120
