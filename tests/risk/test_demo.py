"""The demo register: a realistic first look at the register, the heat map and the report."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone

from aims.models import ReportJob
from aims.scope import restrict
from aims.services.reports import report_job_create, report_job_render
from risk.demo import RISKS
from risk.models import Risk, RiskAcceptance, TreatmentAction
from risk.selectors import risks


@pytest.fixture
def demo(db, settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("load_demo", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


def test_the_demo_register(demo):
    risks = Risk.objects.all()
    assert risks.count() == len(RISKS) >= 12
    assert all(
        any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in r.title)
        for r in risks
    )
    acceptance = RiskAcceptance.objects.get()
    assert acceptance.accepted_by.username == "executive" and not acceptance.within_criteria
    assert risks.filter(next_review_on__lt=timezone.localdate()).count() >= 3
    assert TreatmentAction.objects.filter(controls__isnull=False).exists()
    assert risks.filter(template__isnull=False).count() == len(RISKS)
    call_command("load_demo", stdout=io.StringIO())  # idempotent
    assert Risk.objects.count() == len(RISKS)


def test_the_demo_operator_sees_the_risks_of_their_two_systems(demo):
    names = {s.name for r in restrict(risks(), demo["operator"]) for s in r.ai_systems.all()}
    assert names == {"製品不良検知AI", "送電線点検AI"}


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_demo_register_pdf_gives_back_every_japanese_title(demo, tmp_path):
    job = report_job_create(
        actor=demo["officer"], kind="risk_register", format="pdf", language="ja", parameters={}
    )
    job = report_job_render(job_id=job.pk)
    assert job.status == "done", job.error
    path = tmp_path / "demo.pdf"
    with job.file.open("rb") as handle:
        path.write_bytes(handle.read())
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "AIMS-Japanese" in fonts and "CID TrueType" in fonts
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    flat = "".join(text.split())
    for spec in RISKS:
        assert "".join(spec["title"].split()) in flat, spec["title"]
    assert ReportJob.objects.count() == 1
