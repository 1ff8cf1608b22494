"""Report jobs and the inventory export: requested, rendered by a task, downloaded by those
allowed to see the content, expired after the retention period."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aims.choices import ReportStatus
from aims.models import AISystem, BusinessUnit, ReportJob
from aims.registry import registry
from aims.services.inventory import ai_system_create, ai_system_grant, ai_system_import
from aims.services.records import record_create
from aims.services.reports import report_job_create, report_job_render, report_jobs_expire
from aims.tables import read_table
from tests.celery_worker import running_worker, wait_until


@pytest.fixture
def systems(db, officer):
    unit = record_create(actor=None, model=BusinessUnit, name="Operations", code="OPS")
    return [
        ai_system_create(
            actor=None,
            name="顔認証入場システム",
            version="2.1",
            purpose="入場時の本人確認",
            business_unit=unit,
            lifecycle_stage="operation",
            owner=officer,
            organization_roles=["provider", "business_user"],
            is_generative=False,
            eu_ai_act_tier="high",
            next_review_on=None,
        ),
        ai_system_create(
            actor=None,
            name="Defect detection",
            purpose="Find defects",
            lifecycle_stage="development",
            organization_roles=["developer"],
            is_generative=True,
            review_interval_days=90,
        ),
        ai_system_create(
            actor=None, name='=HYPERLINK("http://x")', purpose="@risky", lifecycle_stage="design"
        ),
    ]


def request(user, *, fmt="xlsx", language="en", **parameters) -> ReportJob:
    return report_job_create(
        actor=user, kind="ai_system_inventory", format=fmt, language=language, parameters=parameters
    )


def rendered(job: ReportJob) -> bytes:
    job = report_job_render(job_id=job.pk)
    assert job is not None and job.status == ReportStatus.DONE, job and job.error
    with job.file.open("rb") as handle:
        return handle.read()


def xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- Requests ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "fmt", "language", "parameters", "field"),
    [
        ("no_such_report", "xlsx", "en", {}, "kind"),
        ("ai_system_inventory", "pdf", "en", {}, "format"),
        ("ai_system_inventory", "xlsx", "fr", {}, "language"),
        ("ai_system_inventory", "xlsx", "en", {"colour": "red"}, "colour"),
        ("ai_system_inventory", "xlsx", "en", {"lifecycle_stage": ["sleeping"]}, "lifecycle_stage"),
        ("ai_system_inventory", "xlsx", "en", {"owner": "not-a-number"}, "owner"),
        ("ai_system_inventory", "xlsx", "en", {"sort": "price"}, "sort"),
    ],
)
def test_a_bad_request_names_the_field_and_creates_nothing(
    officer, kind, fmt, language, parameters, field
):
    with pytest.raises(ValidationError) as error:
        report_job_create(
            actor=officer, kind=kind, format=fmt, language=language, parameters=parameters
        )
    assert field in error.value.message_dict
    assert not ReportJob.objects.exists()


def test_a_role_without_export_may_not_request(viewer):
    with pytest.raises(ValidationError):
        request(viewer)
    assert not ReportJob.objects.exists()


def test_a_request_is_queued_with_its_parameters_and_renders_after_commit(
    officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = request(officer, lifecycle_stage=["operation"], q="")
    assert job.status == ReportStatus.QUEUED
    assert job.parameters == {"lifecycle_stage": ["operation"]}  # empty filters are dropped
    assert job.shared is True  # an officer sees everything
    assert len(callbacks) == 1


# --- Rendering -----------------------------------------------------------------------------------
def test_xlsx_holds_every_visible_system_with_labels_in_the_language(officer, systems):
    job = request(officer, language="ja")
    content = rendered(job)
    job.refresh_from_db()
    assert job.file_sha256 == hashlib.sha256(content).hexdigest()
    assert job.file_size == len(content)
    assert job.file_name.endswith(".xlsx")
    rows = xlsx_rows(content)
    header = rows[0]
    assert header[:3] == ["id", "name", "version"]
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {s.name for s in systems}
    face = by_name["顔認証入場システム"]
    assert face["business_unit"] == "OPS"
    assert face["lifecycle_stage"] == "運用・監視"
    assert face["organization_roles"] == "AI提供者, AI利用者"
    assert face["is_generative"] == "いいえ"
    assert face["owner"] == officer.username
    legend = load_workbook(io.BytesIO(content)).worksheets[1]
    assert legend.title == "列"


def test_text_that_looks_like_a_formula_stays_text(officer, systems):
    content = rendered(request(officer))
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == systems[2].name]
    assert cells and cells[0].data_type == "s"
    text = rendered(request(officer, fmt="csv")).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@risky" in text


def test_csv_is_utf8_with_a_byte_order_mark(officer, systems):
    content = rendered(request(officer, fmt="csv", language="ja"))
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    face = next(row for row in rows if row[1] == "顔認証入場システム")
    assert face[2] == "2.1"


def test_the_export_applies_the_inventory_filters(officer, systems):
    content = rendered(request(officer, lifecycle_stage=["development", "design"], sort="stage"))
    names = [row[1] for row in xlsx_rows(content)[1:]]
    assert names == [systems[2].name, systems[1].name]  # by stage code: design, development


def test_an_operator_exports_only_the_systems_granted_to_them(operator, systems):
    ai_system_grant(actor=None, system=systems[1], user=operator)
    job = request(operator)
    assert job.shared is False
    names = [row[1] for row in xlsx_rows(rendered(job))[1:]]
    assert names == ["Defect detection"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imports_back(officer, systems, fmt):
    content = rendered(request(officer, fmt=fmt, language="ja"))
    header, rows = read_table(f"inventory.{fmt}", content)
    for row in rows:
        row["name"] = row["name"].lstrip("'") + " (copy)"
        row["purpose"] = row["purpose"].lstrip("'")
    created = ai_system_import(actor=officer, header=header, rows=rows)
    assert len(created) == len(systems)
    for original in systems:
        copy = AISystem.objects.get(name=original.name + " (copy)")
        for field in (
            "version",
            "purpose",
            "business_unit",
            "lifecycle_stage",
            "organization_roles",
            "is_generative",
            "eu_ai_act_tier",
            "review_interval_days",
            "next_review_on",
        ):
            assert getattr(copy, field) == getattr(original, field), field
        # An empty owner becomes the importer, as for any imported row.
        assert copy.owner == (original.owner or officer)


def test_a_failing_renderer_marks_the_job_failed_without_details(officer, monkeypatch, caplog):
    def broken(job, out):
        raise RuntimeError("secret internals")

    kind = registry.report_kind("ai_system_inventory")
    monkeypatch.setitem(registry.report_kinds, kind.code, dataclasses.replace(kind, render=broken))
    job = report_job_render(job_id=request(officer).pk)
    assert job.status == ReportStatus.FAILED
    assert "secret" not in job.error and str(job.pk) in job.error
    assert "secret internals" in caplog.text
    assert not job.file


def test_the_rendering_is_freed_after_the_job_is_done_not_before(officer, monkeypatch):
    """The cyclic collector is paused while a job renders and runs once after its outcome is
    written: the file is ready for its requester before the laid-out document is freed."""
    import gc

    seen = []

    def render(job, out):
        seen.append(("rendering", gc.isenabled()))
        out.write(b"rendered\n")

    def collect(*args):
        seen.append(("collect", ReportJob.objects.get(pk=job.pk).status))
        return 0

    kind = registry.report_kind("ai_system_inventory")
    monkeypatch.setitem(registry.report_kinds, kind.code, dataclasses.replace(kind, render=render))
    monkeypatch.setattr("aims.services.reports.gc.collect", collect)
    job = request(officer)
    assert gc.isenabled()
    assert report_job_render(job_id=job.pk).status == ReportStatus.DONE
    assert seen == [("rendering", False), ("collect", ReportStatus.DONE)]
    assert gc.isenabled()


def test_rendering_a_finished_job_again_changes_nothing(officer, systems):
    job = request(officer)
    rendered(job)
    job.refresh_from_db()
    assert report_job_render(job_id=job.pk) is None
    assert ReportJob.objects.get(pk=job.pk).file_sha256 == job.file_sha256


def test_old_files_expire_and_the_job_says_so(officer, systems, settings):
    settings.REPORT_RETENTION_DAYS = 7
    old, new = request(officer), request(officer)
    rendered(old), rendered(new)
    ReportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    path = ReportJob.objects.get(pk=old.pk).file.path
    assert report_jobs_expire() == 1
    old.refresh_from_db()
    assert old.status == ReportStatus.EXPIRED and not old.file
    assert old.file_sha256  # the digest of what was handed out stays on record
    assert not __import__("os").path.exists(path)
    assert ReportJob.objects.get(pk=new.pk).status == ReportStatus.DONE
    assert report_jobs_expire() == 0


# --- API and pages ---------------------------------------------------------------------------
def test_api_queues_reports_status_and_downloads(officer, systems, api_client_for):
    client = api_client_for(officer)
    response = client.post(
        reverse("api:report-list"),
        {
            "kind": "ai_system_inventory",
            "format": "csv",
            "language": "en",
            "lifecycle_stage": ["operation"],
        },
        format="json",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["download_url"] is None
    assert body["parameters"] == {"lifecycle_stage": ["operation"]}
    report_job_render(job_id=body["id"])
    detail = client.get(reverse("api:report-detail", kwargs={"pk": body["id"]})).json()
    assert detail["status"] == "done" and len(detail["file_sha256"]) == 64
    download = client.get(detail["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == detail["file_sha256"]
    assert "顔認証入場システム" in content.decode("utf-8-sig")


def test_api_rejects_a_malformed_filter_with_the_field(officer, api_client_for):
    response = api_client_for(officer).post(
        reverse("api:report-list"),
        {"kind": "ai_system_inventory", "format": "xlsx", "eu_ai_act_tier": ["galactic"]},
        format="json",
    )
    assert response.status_code == 400
    assert "eu_ai_act_tier" in response.json()["error"]["fields"]
    assert not ReportJob.objects.exists()


def test_who_may_download_whose_report(
    officer, executive, operator, make_user, systems, api_client_for
):
    ai_system_grant(actor=None, system=systems[1], user=operator)
    shared = request(officer)
    private = request(operator)
    rendered(shared), rendered(private)
    other_operator = make_user("operational_member", username="t_operator_2")

    def status(user, job):
        url = reverse("api:report-download", kwargs={"pk": job.pk})
        return api_client_for(user).get(url).status_code

    assert status(executive, shared) == 200  # both see everything: same content
    assert status(operator, shared) == 404  # the officer's file holds systems not granted
    assert status(operator, private) == 200
    assert status(officer, private) == 404  # an operator's file is theirs alone
    assert status(other_operator, private) == 404


def test_export_from_the_inventory_page_carries_its_filters(officer, systems, client_for):
    client = client_for(officer)
    page = client.get(reverse("ai_systems"), {"lifecycle_stage": "operation", "q": "顔"})
    assert page.status_code == 200
    assert b'name="kind" value="ai_system_inventory"' in page.content
    assert b'name="lifecycle_stage" value="operation"' in page.content
    response = client.post(
        reverse("reports"),
        {
            "kind": "ai_system_inventory",
            "format": "xlsx",
            "language": "ja",
            "lifecycle_stage": "operation",
            "q": "顔",
        },
    )
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report", args=[job.pk])
    assert job.parameters == {"lifecycle_stage": ["operation"], "q": "顔"}
    names = [row[1] for row in xlsx_rows(rendered(job))[1:]]
    assert names == ["顔認証入場システム"]


def test_a_bad_export_request_on_the_page_says_why(officer, client_for):
    client = client_for(officer)
    response = client.post(
        reverse("reports"),
        {"kind": "ai_system_inventory", "format": "xlsx", "lifecycle_stage": "nowhere"},
        HTTP_REFERER=reverse("ai_systems"),
        follow=True,
    )
    assert response.status_code == 200
    assert "lifecycle_stage" in response.content.decode()
    assert not ReportJob.objects.exists()


def test_the_status_block_polls_until_done_then_offers_the_download(officer, systems, client_for):
    client = client_for(officer)
    job = request(officer)
    page = client.get(reverse("report", args=[job.pk]))
    assert b'hx-trigger="every 2s"' in page.content
    partial = client.get(reverse("report", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"hx-get" in partial.content
    rendered(job)
    partial = client.get(reverse("report", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b"hx-get" not in partial.content
    assert reverse("report_download", args=[job.pk]).encode() in partial.content
    listing = client.get(reverse("reports"))
    assert reverse("report_download", args=[job.pk]).encode() in listing.content


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_a_queued_report(make_user):
    officer = make_user("governance_officer", username="report_officer")
    ai_system_create(actor=None, name="Worker test system", purpose="Rendered by Celery")
    with running_worker():
        with transaction.atomic():
            job = request(officer, fmt="xlsx", language="ja")
        assert ReportJob.objects.get(pk=job.pk).status in {"queued", "running", "done"}
        assert wait_until(lambda: ReportJob.objects.get(pk=job.pk).finished, timeout=30)
    job.refresh_from_db()
    assert job.status == ReportStatus.DONE, job.error
    with job.file.open("rb") as handle:
        content = handle.read()
    assert hashlib.sha256(content).hexdigest() == job.file_sha256
    assert [row[1] for row in xlsx_rows(content)[1:]] == ["Worker test system"]


def test_the_job_page_describes_its_filters_in_the_readers_language(officer, systems, client_for):
    from django.utils import translation

    from aims.choices import LifecycleStage

    unit = BusinessUnit.objects.get(code="OPS")
    job = request(
        officer, lifecycle_stage=["operation"], business_unit=str(unit.pk), review_due="true"
    )
    html = client_for(officer).get(reverse("report", args=[job.pk])).content.decode()
    with translation.override("ja"):
        assert f"{LifecycleStage.OPERATION.label}" in html
        assert "lifecycle_stage=" not in html
    assert "Operations" in html  # the unit's name, not its id
