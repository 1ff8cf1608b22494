"""Reports of the Statement of Applicability: the PDF of an approved version of the 38 Annex A
controls with the Japanese intact, the rows as XLSX and CSV, the default and the refused
versions, the coverage export, and a real worker rendering the PDF."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from aims.choices import ApprovalStatus, ReportStatus
from aims.models import Organization, ReportJob
from aims.services.library import library_load
from aims.services.records import record_create
from aims.services.reports import report_job_create, report_job_render
from aims.urns import ISO_42001
from controls.models import ApplicabilityStatement, Control, StatementOfApplicability
from tests.celery_worker import running_worker, wait_until
from tests.controls.test_coverage import (
    GUIDELINES,
    control,
    evidence,
    freeze,
    requirement,
    soa_version,
)
from tests.factories.accounts import UserFactory

POPPLER = shutil.which("pdftotext")
ISO_FILE = Path(__file__).resolve().parents[2] / "library" / "frameworks" / "iso-iec-42001.yaml"
EXCLUDED = {"A.10.4", "A.8.5", "A.6.2.5"}


def justification(ref_id: str) -> str:
    """A Japanese justification naming the control, distinct for each row."""
    return f"{ref_id}は利用者の保護と説明責任のため適用する"


def exclusion(ref_id: str) -> str:
    return f"{ref_id}は当社の事業に該当しないため除外する"


def load_shipped_iso() -> list:
    from aims.models import Requirement

    if not Requirement.objects.filter(framework__urn=ISO_42001).exists():
        library_load(files=[("iso-iec-42001.yaml", ISO_FILE.read_bytes())], actor=None)
    annex = Requirement.objects.filter(
        framework__urn=ISO_42001, tags__contains=["annex-a"], assessable=True
    ).order_by("order")
    return list(annex)


def fill(version, annex, *, owner=None) -> None:
    """Every Annex A row of ``version``: applicable and implemented with evidence, but a few
    excluded with reasons; one cites expired evidence; two have implementing controls."""
    policy = evidence("AI方針 第3版")
    expired = evidence("旧バイアス評価報告書", valid_until=timezone.localdate() - timedelta(days=5))
    versions = {policy.current_version, expired.current_version}
    for item in versions:
        item.file_sha256 = hashlib.sha256(item.url.encode()).hexdigest()
        item.save(update_fields=["file_sha256"])
    first = Control.objects.filter(code="CTL-001").first() or control("CTL-001")
    for n, item in enumerate(annex):
        excluded = item.ref_id in EXCLUDED
        row, _created = ApplicabilityStatement.objects.update_or_create(
            soa=version,
            requirement=item,
            defaults={
                "applicable": not excluded,
                "justification_type": "good_practice" if excluded else "risk_treatment",
                "justification": exclusion(item.ref_id) if excluded else justification(item.ref_id),
                "implementation_status": "not_implemented" if excluded else "implemented",
                "owner": owner,
            },
        )
        if not excluded:
            row.evidence.add(expired if n == 1 else policy)
        if n < 2:
            row.controls.add(first)


@pytest.fixture
def organisation(db):
    return record_create(
        actor=None,
        model=Organization,
        name="Demo Corp",
        name_ja="デモ株式会社",
        scope_statement="全社のAIシステムの開発及び提供",
    )


@pytest.fixture
def approved(db, organisation):
    annex = load_shipped_iso()
    assert len(annex) == 38
    approver = UserFactory(username="top", first_name="花子", last_name="山田")
    author = UserFactory(username="officer2", first_name="太郎", last_name="佐藤")
    version = soa_version(
        ApprovalStatus.APPROVED,
        approved_by=approver,
        author=author,
        change_summary="初版",
        frozen_checks=[
            {
                "code": "no_implementing_control",
                "requirement_id": annex[5].pk,
                "ref_id": annex[5].ref_id,
                "message": "実施する管理策がない",
                "records": [],
                "waived": True,
                "reason": "次期に整備予定のため免除",
            },
            {
                "code": "risk_justification_without_risk",
                "requirement_id": annex[6].pk,
                "ref_id": annex[6].ref_id,
                "message": "リスクが紐付いていない",
                "records": [{"kind": "risk", "label": "R-00001 誤判定", "url": "/risks/1/"}],
                "waived": False,
                "reason": "",
            },
        ],
    )
    fill(version, annex, owner=author)
    freeze(version)
    return version


def render(user, fmt, language="ja", **parameters):
    job = report_job_create(
        actor=user, kind="soa", format=fmt, language=language, parameters=parameters
    )
    job = report_job_render(job_id=job.pk)
    assert job.status == ReportStatus.DONE, job.error
    with job.file.open("rb") as handle:
        return job, handle.read()


def pdftotext(content: bytes, tmp_path) -> str:
    path = tmp_path / "soa.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def compact(text: str) -> str:
    """The text without the line breaks a table cell adds."""
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext) not installed")
def test_the_pdf_of_an_approved_version_holds_all_38_rows_in_japanese(officer, approved, tmp_path):
    job, content = render(officer, "pdf", soa=approved.pk)
    assert content.startswith(b"%PDF")
    assert job.file_sha256 == hashlib.sha256(content).hexdigest()
    text = pdftotext(content, tmp_path)
    flat = compact(text)
    refs = set(re.findall(r"\bA\.\d+\.\d+(?:\.\d+)?\b", text))
    annex = ApplicabilityStatement.objects.filter(soa=approved)
    expected = {row.requirement.ref_id for row in annex.select_related("requirement")}
    assert len(expected) == 38 and expected <= refs
    for ref_id in expected:
        wanted = exclusion(ref_id) if ref_id in EXCLUDED else justification(ref_id)
        assert compact(wanted) in flat, ref_id
    # The cover: organisation, scope, version, approver and approval date.
    for fact in ("デモ株式会社", "全社のAIシステムの開発及び提供", "山田", "花子"):
        assert fact in flat
    assert f"{timezone.localtime(approved.approved_at):%Y-%m-%d}" in text
    # Evidence references: version, short SHA-256, the expired marker; the checks' result.
    assert "AI方針第3版v1" in flat and "旧バイアス評価報告書" in flat
    assert "次期に整備予定のため免除" in flat and "R-00001誤判定" in flat
    pages = re.findall(r"(\d+)\s*/\s*(\d+)", text)  # page numbers "n / total"
    assert pages and all(total == pages[-1][1] for _n, total in pages)


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext) not installed")
def test_the_pdf_in_english_names_its_parts(officer, approved, tmp_path):
    _job, content = render(officer, "pdf", language="en", soa=approved.pk)
    text = pdftotext(content, tmp_path)
    for heading in (
        "Statement of Applicability",
        "Contents",
        "About this version",
        "Consistency checks",
        f"Version {approved.number} (Approved)",
        "expired",
        "1 check is open.",
    ):
        assert heading in text, heading
    frozen_sha = next(
        e["sha256"]
        for row in ApplicabilityStatement.objects.filter(soa=approved)
        for e in row.frozen["evidence"]
    )
    assert frozen_sha[:12] in text and frozen_sha[:13] not in text
    # Groups A.2 … A.10 in the library's order, each a part of the contents.
    groups = [m for m in re.findall(r"^(A\.\d+) ", text, re.M)]
    order = list(dict.fromkeys(groups))
    assert order[:9] == [f"A.{n}" for n in range(2, 11)]


def test_frozen_rows_are_reported_as_approved_not_as_they_stand(officer, approved):
    row = ApplicabilityStatement.objects.filter(soa=approved).first()
    ApplicabilityStatement.objects.filter(pk=row.pk).update(justification="承認後の変更")
    _job, content = render(officer, "csv", language="en", soa=approved.pk)
    text = content.decode("utf-8-sig")
    assert "承認後の変更" not in text
    assert justification(row.requirement.ref_id) in text


def test_xlsx_and_csv_hold_one_line_per_row_with_translated_headers(officer, approved):
    _job, content = render(officer, "xlsx", language="en", soa=approved.pk)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Group",
        "Control no.",
        "Control",
        "Applicable",
        "Justification type",
        "Justification",
        "Implementation status",
        "Implementing controls",
        "Evidence",
        "Owner",
    )
    assert len(rows) == 39
    by_ref = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    excluded = by_ref["A.10.4"]
    assert excluded["Applicable"] == "Not applicable"
    assert excluded["Justification"] == exclusion("A.10.4")
    assert by_ref["A.2.2"]["Group"].startswith("A.2 ")
    assert by_ref["A.2.2"]["Implementing controls"] == "CTL-001 管理策 CTL-001"
    assert "expired" in by_ref["A.2.3"]["Evidence"] and "SHA-256" in by_ref["A.2.3"]["Evidence"]
    _job, content = render(officer, "csv", language="en", soa=approved.pk)
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert table[0][1] == "Control no." and len(table) == 39
    assert {line[1] for line in table[1:]} == set(by_ref)


def test_a_draft_is_reported_live(officer, approved):
    draft = soa_version()
    annex = load_shipped_iso()
    fill(draft, annex)
    ApplicabilityStatement.objects.filter(soa=draft, requirement=annex[0]).update(
        justification="下書きの変更"
    )
    _job, content = render(officer, "csv", language="en", soa=draft.pk)
    assert "下書きの変更" in content.decode("utf-8-sig")


def test_the_default_version_is_the_approved_one_in_effect(officer, approved):
    soa_version()  # a later draft
    job, _content = render(officer, "csv")
    assert job.parameters == {"soa": approved.pk}


def test_with_no_approved_version_the_working_one_is_reported(officer, organisation):
    load_shipped_iso()
    draft = soa_version()
    job = report_job_create(actor=officer, kind="soa", format="csv", language="ja", parameters={})
    assert job.parameters == {"soa": draft.pk}


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"soa": "999999"}, "soa"),
        ({"soa": "abc"}, "soa"),
        ({"soa": "1", "rows": "all"}, "rows"),
        ({}, "soa"),  # no SoA at all
    ],
)
def test_bad_parameters_are_refused_and_nothing_is_queued(officer, db, parameters, field):
    StatementOfApplicability.objects.all().delete()
    with pytest.raises(ValidationError) as error:
        report_job_create(
            actor=officer, kind="soa", format="pdf", language="ja", parameters=parameters
        )
    assert field in error.value.message_dict
    assert not ReportJob.objects.exists()


def test_a_version_outside_the_requesters_sight_is_refused(external_auditor, approved):
    with pytest.raises(ValidationError) as error:
        report_job_create(
            actor=external_auditor,
            kind="soa",
            format="csv",
            language="ja",
            parameters={"soa": str(approved.pk)},
        )
    assert "soa" in error.value.message_dict


def test_the_coverage_export(officer, organisation):
    from tests.controls.test_coverage import load_crosswalk, load_framework, load_iso, soa_row

    load_iso(["A.2.2", "A.2.3"])
    guidelines = load_framework(GUIDELINES, ["G1", "G2", "G3"])
    load_crosswalk(GUIDELINES, [("A.2.2", "G1", "related"), ("A.2.3", "G2", "related")])
    draft = soa_version()
    soa_row(draft, "A.2.2", implementation_status="implemented").evidence.add(evidence("方針"))
    soa_row(draft, "A.2.3", implementation_status="partial")
    control("CTL-007", status="planned", satisfies=[requirement(GUIDELINES, "G3")])
    job = report_job_create(
        actor=officer,
        kind="coverage",
        format="xlsx",
        language="en",
        parameters={"framework": str(guidelines.pk)},
    )
    job = report_job_render(job_id=job.pk)
    assert job.status == ReportStatus.DONE, job.error
    with job.file.open("rb") as handle:
        rows = list(load_workbook(handle).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("Framework", "Item no.", "Item", "Coverage")
    assert {row[1]: row[3] for row in rows[1:]} == {
        "G1": "Covered",
        "G2": "Partly covered",
        "G3": "Partly covered",
    }
    assert "方針 v1" in rows[1][5]
    with pytest.raises(ValidationError) as error:
        report_job_create(
            actor=officer,
            kind="coverage",
            format="csv",
            language="en",
            parameters={"framework": "999999", "soa": "x"},
        )
    assert "framework" in error.value.message_dict


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_soa_pdf(make_user):
    officer = make_user("governance_officer", username="soa_pdf_officer")
    annex = load_shipped_iso()
    version = soa_version(ApprovalStatus.APPROVED)
    fill(version, annex)
    freeze(version)
    with running_worker():
        with transaction.atomic():
            job = report_job_create(
                actor=officer, kind="soa", format="pdf", language="ja", parameters={}
            )
        assert wait_until(lambda: ReportJob.objects.get(pk=job.pk).finished, timeout=120)
    job.refresh_from_db()
    assert job.status == ReportStatus.DONE, job.error
    assert job.parameters == {"soa": version.pk}
    with job.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == job.file_sha256
