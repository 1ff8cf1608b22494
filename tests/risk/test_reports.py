"""The risk register report: PDF with the shipped Japanese font embedded and the Japanese text
recoverable, XLSX and CSV of the same filtered register, rendered by a real worker."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from aims.choices import ReportStatus
from aims.models import Organization, ReportJob
from aims.services.inventory import ai_system_create
from aims.services.records import record_create
from aims.services.reports import report_job_create, report_job_render
from risk.services.acceptance import risk_accept
from risk.services.register import risk_create
from risk.services.treatment import treatment_action_create
from tests.celery_worker import running_worker, wait_until

TITLES = [
    "採用選考AIによる性別バイアス",
    "顔認証の誤検知による不利益",
    "対話AIからの機密情報の流出",
]
POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts")


@pytest.fixture
def register(officer, executive, system, m5):
    record_create(
        actor=None,
        model=Organization,
        name="Demo Corp",
        name_ja="デモ株式会社",
        scope_statement="全社のAIシステム",
    )
    risks = [
        risk_create(
            actor=officer,
            title=title,
            ai_systems=[system],
            inherent_likelihood=4,
            inherent_impact=2 + n,
            residual_likelihood=2,
            residual_impact=2 + n,
        )
        for n, title in enumerate(TITLES)
    ]
    treatment_action_create(actor=officer, risk=risks[0], title="四半期ごとのバイアス検証")
    risk_accept(
        actor=executive,
        risk=risks[1],
        rationale="試行期間に限定",
        expires_on=timezone.localdate() + timedelta(days=60),
    )
    return risks


def render(user, fmt, language="ja", **parameters):
    job = report_job_create(
        actor=user, kind="risk_register", format=fmt, language=language, parameters=parameters
    )
    job = report_job_render(job_id=job.pk)
    assert job.status == ReportStatus.DONE, job.error
    with job.file.open("rb") as handle:
        return job, handle.read()


def poppler(tool: str, content: bytes, tmp_path) -> str:
    path = tmp_path / "register.pdf"
    path.write_bytes(content)
    args = [tool, str(path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts) not installed")
def test_pdf_embeds_the_japanese_font_and_keeps_the_titles(officer, register, tmp_path):
    job, content = render(officer, "pdf")
    assert content.startswith(b"%PDF")
    assert job.file_sha256 == hashlib.sha256(content).hexdigest()
    fonts = poppler("pdffonts", content, tmp_path)
    # The shipped Noto Sans JP, declared as the family "AIMS Japanese", embedded as a subset
    # of a CID font (the kind that carries Japanese glyphs).
    shipped = [line for line in fonts.splitlines() if "AIMS-Japanese" in line]
    assert shipped, fonts
    assert all("CID TrueType" in line and "yes yes yes" in line for line in shipped), fonts
    text = poppler("pdftotext", content, tmp_path)
    for title in TITLES:
        assert title in text
    for heading in ("目次", "ヒートマップ", "リスク登録簿", "受容したリスク", "デモ株式会社"):
        assert heading in text
    pages = re.findall(r"(\d+)\s*/\s*(\d+)", text)  # page numbers "n / total"
    assert pages and all(total == pages[-1][1] for _n, total in pages)
    assert re.search(r"ヒートマップ[ .]*\d", text)  # the table of contents gives pages


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts) not installed")
def test_pdf_in_english_and_with_filters_on_the_cover(officer, register, tmp_path):
    _job, content = render(officer, "pdf", language="en", inherent_level=["high", "very_high"])
    text = poppler("pdftotext", content, tmp_path)
    assert "AI risk register" in text and "Contents" in text
    assert "Inherent level: High, Very high" in text  # the filter, named on the cover
    assert TITLES[2] in text and TITLES[0] not in text


def test_xlsx_and_csv_hold_the_same_filtered_rows(officer, register):
    _job, content = render(officer, "xlsx", status=["accepted"])
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    header = rows[0]
    assert header[:2] == ("code", "title")
    assert [row[1] for row in rows[1:]] == [TITLES[1]]
    accepted = dict(zip(header, rows[1], strict=True))
    assert accepted["status"] == "受容済み" or accepted["status"]
    assert accepted["accepted_by"]
    _job, content = render(officer, "csv", language="en")
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert {row[1] for row in table[1:]} == set(TITLES)
    assert table[0][table[0].index("residual_level")] == "residual_level"


def test_an_operator_report_holds_only_their_risks(operator, granted, other_system, officer, m5):
    risk_create(
        actor=officer,
        title="見える",
        ai_systems=[granted],
        inherent_likelihood=1,
        inherent_impact=1,
    )
    risk_create(
        actor=officer,
        title="見えない",
        ai_systems=[other_system],
        inherent_likelihood=1,
        inherent_impact=1,
    )
    _job, content = render(operator, "csv")
    text = content.decode("utf-8-sig")
    assert "見える" in text and "見えない" not in text


def test_a_malformed_filter_is_refused(officer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        report_job_create(
            actor=officer,
            kind="risk_register",
            format="pdf",
            language="ja",
            parameters={"residual_level": ["apocalyptic"]},
        )
    assert "residual_level" in error.value.message_dict
    assert not ReportJob.objects.exists()


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_register_pdf(make_user, m5):
    officer = make_user("governance_officer", username="pdf_officer")
    system = ai_system_create(actor=None, name="需要予測AI", purpose="在庫")
    risk_create(
        actor=None,
        title="予測誤差による欠品",
        ai_systems=[system],
        inherent_likelihood=3,
        inherent_impact=3,
    )
    with running_worker():
        with transaction.atomic():
            job = report_job_create(
                actor=officer, kind="risk_register", format="pdf", language="ja", parameters={}
            )
        assert wait_until(lambda: ReportJob.objects.get(pk=job.pk).finished, timeout=60)
    job.refresh_from_db()
    assert job.status == ReportStatus.DONE, job.error
    with job.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == job.file_sha256


def _register_queries(user, fmt):
    """The queries the register's rows cost (PDF context, or the XLSX/CSV table), and them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from risk.reports import _table, pdf_context

    job = report_job_create(
        actor=user, kind="risk_register", format=fmt, language="en", parameters={}
    )
    with translation.override("en"), CaptureQueriesContext(connection) as queries:
        rows = pdf_context(job)["rows"] if fmt == "pdf" else list(_table(job))
    return len(queries), rows


@pytest.mark.parametrize("fmt", ["pdf", "csv"])
def test_the_register_rows_cost_the_same_queries_at_any_length(
    fmt, officer, executive, register, other_system, m5
):
    few, _rows = _register_queries(officer, fmt)
    for n in range(12):
        risk = risk_create(
            actor=officer,
            title=f"追加のリスク{n:02d}",
            ai_systems=[register[0].ai_systems.first(), other_system],
            inherent_likelihood=3,
            inherent_impact=3,
        )
        treatment_action_create(actor=officer, risk=risk, title=f"対策{n:02d}")
        if n % 3 == 0:
            risk_accept(
                actor=executive,
                risk=risk,
                rationale="期間限定",
                expires_on=timezone.localdate() + timedelta(days=30),
            )
    more, rows = _register_queries(officer, fmt)
    assert more == few
    assert len(rows) == len(TITLES) + 12
    if fmt == "pdf":
        added = next(row for row in rows if row["title"] == "追加のリスク03")
        assert added["ai_systems"].count(",") == 1
        assert (added["actions_open"], added["actions_total"]) == (1, 1)
        assert added["accepted_by"] and added["accepted_until"]
        assert added["treatment"].endswith("(1 of 1 actions open)")
