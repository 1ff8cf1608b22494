"""The register report's summary page reads like a management report: the default matrix's
heat maps, residual levels by status and by AI system as server-drawn SVG, the overdue
reviews, in Japanese and English; levels labelled once when two matrices are in use; every
text from the records escaped in the SVG."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from aims.services.inventory import ai_system_create
from aims.services.reports import report_job_create, report_job_render
from risk import charts
from risk.choices import RiskStatus
from risk.models import Risk
from risk.reports import merged_levels, pdf_context
from risk.services.acceptance import risk_accept
from risk.services.register import risk_create, risk_update

POPPLER = shutil.which("pdftotext")
SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script>&"\'<img src=x onerror=alert(1)>'


@pytest.fixture
def register(officer, executive, system, other_system, m5, m3):
    today = timezone.localdate()
    made = {
        "a": risk_create(
            actor=officer,
            title="性別バイアス",
            ai_systems=[system],
            inherent_likelihood=5,
            inherent_impact=5,
            residual_likelihood=3,
            residual_impact=3,  # medium on 5×5
            next_review_on=today - timedelta(days=10),
        ),
        "b": risk_create(
            actor=officer,
            title="需要の過大予測",
            ai_systems=[other_system],
            inherent_likelihood=2,
            inherent_impact=2,
            next_review_on=today + timedelta(days=30),
        ),
        "c": risk_create(
            actor=officer,
            title="三段階の中リスク",
            matrix=m3,
            ai_systems=[system, other_system],
            inherent_likelihood=2,
            inherent_impact=2,  # medium on 3×3
            next_review_on=today - timedelta(days=3),
        ),
    }
    risk_update(actor=officer, risk=made["b"], status=RiskStatus.IN_TREATMENT)
    risk_accept(
        actor=executive,
        risk=made["c"],
        rationale="試行",
        expires_on=today + timedelta(days=30),
    )
    return made


def job_for(user, language="ja", **parameters):
    return report_job_create(
        actor=user, kind="risk_register", format="pdf", language=language, parameters=parameters
    )


def context(user, language="ja", **parameters):
    job = job_for(user, language, **parameters)
    with override(language):
        return pdf_context(job)


def bars(svg: str) -> dict[str, int]:
    root = ET.fromstring(str(svg))  # well-formed XML, or this fails
    return {
        g.get("data-label"): int(g.get("data-count"))
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "bar"
    }


def test_bars_by_status_and_by_ai_system_have_the_right_counts(
    officer, register, system, other_system
):
    data = context(officer, "en")
    assert bars(data["status_chart"]) == {"Open": 1, "In treatment": 1, "Accepted": 1, "Closed": 0}
    # A risk of two systems counts for each.
    assert bars(data["system_chart"]) == {str(system): 2, str(other_system): 2}
    root = ET.fromstring(str(data["system_chart"]))
    segments = [
        (s.get("data-level"), int(s.get("data-count")))
        for g in root.iter(f"{SVG}g")
        if g.get("data-label") == str(system)
        for s in g.iter(f"{SVG}rect")
    ]
    assert sorted(segments) == [("Medium", 2)]  # 5×5 medium and 3×3 medium: one level


def test_levels_are_labelled_once_when_two_matrices_are_in_use(officer, register, m5, m3):
    with override("ja"):
        levels, keys = merged_levels([m5, m3])
        labels = [level.label for level in levels]
        assert labels.count("中") == 1 and len(labels) == len(set(labels))
        assert keys[(m5.pk, "medium")] == keys[(m3.pk, "medium")] == "中"
    data = context(officer, "ja")
    summary = dict((level.label, count) for level, count in data["summary_levels"])
    assert summary["中"] == 2 and list(summary).count("中") == 1
    legend = ET.fromstring(str(data["status_chart"]))
    texts = [t.text for t in legend.iter(f"{SVG}text") if t.get("class") == "legend"]
    assert texts.count("中") == 1


def test_the_summary_maps_the_default_matrix_and_lists_overdue_reviews(officer, register, m5):
    data = context(officer, "en")
    assert data["summary_matrix"] == m5 and data["summary_matrix_total"] == 2
    inherent = ET.fromstring(str(data["summary_maps"]["inherent"]))
    counts = {
        (int(g.get("data-likelihood")), int(g.get("data-impact"))): int(g.get("data-count"))
        for g in inherent.iter(f"{SVG}g")
        if g.get("class") == "cell"
    }
    assert len(counts) == 25 and counts[(5, 5)] == 1 and counts[(2, 2)] == 1
    assert sum(counts.values()) == 2  # the 3×3 risk is not on the 5×5 map
    assert [row["title"] for row in data["overdue"]] == ["性別バイアス", "三段階の中リスク"]
    assert data["overdue"][0]["days"] == 10


def test_charts_and_heat_maps_escape_record_text(officer, m5):
    evil_system = ai_system_create(actor=None, name=EVIL, purpose="x")
    risk_create(
        actor=officer,
        title="t",
        ai_systems=[evil_system],
        inherent_likelihood=1,
        inherent_impact=1,
    )
    m5.levels[0]["label_en"] = EVIL  # a level label an officer typed
    m5.impact_levels[0]["label_en"] = EVIL
    m5.save(update_fields=["levels", "impact_levels"])
    data = context(officer, "en")
    for svg in (data["system_chart"], data["status_chart"], *data["summary_maps"].values()):
        text = str(svg)
        ET.fromstring(text)  # still well-formed
        assert "<script" not in text and "<img" not in text and "onerror=alert(1)>" not in text
    assert "&lt;script&gt;" in str(data["system_chart"])
    # Unit level: a bar label and a level colour that is not a colour.
    svg = str(
        charts.bar_chart(
            [charts.Bar(EVIL, {"k": 1})],
            [charts.Level("k", EVIL, 'red" onload="alert(1)')],
            title=EVIL,
        )
    )
    ET.fromstring(svg)
    assert "<script" not in svg and 'onload="alert' not in svg and charts.GREY in svg


def render_pdf(user, language, tmp_path):
    job = report_job_render(job_id=job_for(user, language).pk)
    assert job.status == "done", job.error
    path = tmp_path / f"register-{language}.pdf"
    with job.file.open("rb") as handle:
        path.write_bytes(handle.read())
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext) not installed")
def test_the_pdf_summary_in_japanese_and_english(officer, register, system, tmp_path):
    text = render_pdf(officer, "ja", tmp_path)
    # (The Japanese of the new headings comes with the catalogue at merge; these are
    # existing terms and the records' own text.)
    for words in ("固有リスク", "残留リスク", "性別バイアス", "5×5 リスクマトリクス", "受容"):
        assert words in text, words
    assert system.name in text  # the bar's label, drawn in the SVG with the bundled font
    text = render_pdf(officer, "en", tmp_path)
    for words in (
        "Residual level by status",
        "Residual level by AI system",
        "Overdue reviews",
        "Inherent risk",
        "In treatment",
    ):
        assert words in text, words
    assert re.search(r"R-\d{5}\s+性別バイアス", text)  # an overdue review listed
    assert Risk.objects.count() == 3
