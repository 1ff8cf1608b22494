"""The impact API: the seed-000 record created entirely through it, its PDF with every field in
Japanese, the workflow, frozen approved versions, and access by AI system."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse

from aims.models import Organization
from aims.services.records import record_create
from aims.services.reports import report_job_create, report_job_render
from impact.models import ImpactAssessment
from impact.services import impact_assessment_create
from risk.models import RiskMatrix
from risk.services.register import risk_create
from tests.impact.conftest import area, party

SEED_000 = {
    "system_version": "2.2",
    "assessed_on": "2025-09-10",
    "responsible_role": "情報セキュリティ部門責任者",
    "scope": ["use"],
    "scope_notes": "利用（公共空間での監視）",
    "intended_use": "不審者検知",
    "foreseeable_misuse": "誤検知による一般市民の不利益",
    "technical_context": "画像認識精度が限定的",
    "societal_context": "社会的偏見の増幅リスク",
    "laws_and_jurisdictions": "個人情報保護法、GDPR",
    "affected_parties": ["individuals", "groups", "society"],
    "affected_parties_description": "市民、特定集団、社会全体",
    "potential_impacts": "誤認識による差別、プライバシー侵害",
    "severity": 3,
    "likelihood": 2,
    "stakeholders_to_be_informed": True,
    "stakeholder_communication": "必要有",
}


def create_seed_000(client, system):
    body = {"ai_system": system.pk, **SEED_000}
    response = client.post(reverse("api:impact-assessment-list"), body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_seed_000_through_the_api_and_its_pdf(officer, executive, system, api_client_for, tmp_path):
    record_create(actor=None, model=Organization, name="Demo", name_ja="デモ株式会社")
    client = api_client_for(officer)
    created = create_seed_000(client, system)
    assert created["level"] == "high" and created["status"] == "draft"
    assert created["matrix"] == RiskMatrix.objects.get(code="3x3", is_current=True).pk
    entries_url = reverse("api:impact-assessment-entries", args=[created["id"]])
    first = client.post(
        entries_url,
        {
            "party_type": party("minorities").pk,
            "impact_area": area("fairness-and-discrimination").pk,
            "description": "誤認識による差別",
            "severity": 3,
            "likelihood": 2,
        },
        format="json",
    )
    assert first.status_code == 201, first.content
    second = client.post(
        entries_url,
        {
            "party_type": party("bystanders").pk,
            "impact_area": area("privacy").pk,
            "description": "プライバシー侵害",
            "severity": 2,
            "likelihood": 3,
        },
        format="json",
    )
    risk_one = client.post(reverse("api:impact-entry-create-risk", args=[first.json()["id"]]))
    assert risk_one.status_code == 201, risk_one.content
    existing = risk_create(
        actor=officer,
        title="公共空間での顔画像取得の説明不足",
        ai_systems=[system],
        inherent_likelihood=3,
        inherent_impact=2,
    )
    linked = client.patch(
        reverse("api:impact-entry-detail", args=[second.json()["id"]]),
        {"risks": [existing.pk]},
        format="json",
    )
    assert linked.status_code == 200, linked.content
    detail = client.get(reverse("api:impact-assessment-detail", args=[created["id"]])).json()
    assert detail["reflected_risks"] == sorted([risk_one.json()["id"], existing.pk])
    assert len(detail["entries"]) == 2
    assert (
        client.post(reverse("api:impact-assessment-submit", args=[created["id"]])).status_code
        == 200
    )
    approved = api_client_for(executive).post(
        reverse("api:impact-assessment-approve", args=[created["id"]])
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed")
    job = report_job_create(
        actor=officer,
        kind="impact_assessment",
        format="pdf",
        language="ja",
        parameters={"impact_assessment": created["id"]},
    )
    job = report_job_render(job_id=job.pk)
    assert job.status == "done", job.error
    path = tmp_path / "ia.pdf"
    with job.file.open("rb") as handle:
        path.write_bytes(handle.read())
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    expected = [v for k, v in SEED_000.items() if isinstance(v, str) and k != "assessed_on"]
    expected += [
        "顔画像認識AI2.2",
        "2025-09-10",
        "高",
        "中",
        "個人",
        "社会",
        "利用",
        "誤認識による差別",
        "プライバシー侵害",
        risk_one.json()["code"],
        "公共空間での顔画像取得の説明不足",
        "デモ株式会社",
    ]
    for value in expected:
        assert "".join(value.split()) in text, value


def test_a_patch_to_an_approved_assessment_changes_nothing_and_says_why(
    officer, executive, system, api_client_for
):
    client = api_client_for(officer)
    created = create_seed_000(client, system)
    client.post(
        reverse("api:impact-assessment-entries", args=[created["id"]]),
        {
            "party_type": party("minorities").pk,
            "impact_area": area("privacy").pk,
            "description": "x",
            "severity": 1,
            "likelihood": 1,
        },
        format="json",
    )
    client.post(reverse("api:impact-assessment-submit", args=[created["id"]]))
    own = client.post(reverse("api:impact-assessment-approve", args=[created["id"]]))
    assert own.status_code == 400  # the author's own approval is refused
    assert "Nobody approves" in str(own.json()) or "承認" in str(own.json())
    api_client_for(executive).post(reverse("api:impact-assessment-approve", args=[created["id"]]))
    before = ImpactAssessment.objects.filter(pk=created["id"]).values().get()
    response = client.patch(
        reverse("api:impact-assessment-detail", args=[created["id"]]),
        {"intended_use": "別の用途"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert ImpactAssessment.objects.filter(pk=created["id"]).values().get() == before
    new = client.post(reverse("api:impact-assessment-new-version", args=[created["id"]]))
    assert new.status_code == 201 and new.json()["number"] == 2


def test_a_level_in_the_request_is_refused(officer, system, api_client_for):
    body = {"ai_system": system.pk, **SEED_000, "level": "low"}
    response = api_client_for(officer).post(
        reverse("api:impact-assessment-list"), body, format="json"
    )
    assert response.status_code == 400 and "level" in response.json()["error"]["fields"]
    assert not ImpactAssessment.objects.exists()


def test_an_operator_sees_only_assessments_of_granted_systems(
    operator, granted, other_system, officer, api_client_for
):
    mine = impact_assessment_create(
        actor=officer, ai_system=granted, intended_use="x", severity=1, likelihood=1
    )
    theirs = impact_assessment_create(
        actor=officer, ai_system=other_system, intended_use="y", severity=1, likelihood=1
    )
    client = api_client_for(operator)
    listed = [a["id"] for a in client.get(reverse("api:impact-assessment-list")).json()["results"]]
    assert listed == [mine.pk]
    assert client.get(reverse("api:impact-assessment-detail", args=[theirs.pk])).status_code == 404
    refused = client.post(
        reverse("api:impact-assessment-list"),
        {"ai_system": other_system.pk, **SEED_000},
        format="json",
    )
    assert refused.status_code == 400
    entry = client.post(
        reverse("api:impact-assessment-entries", args=[theirs.pk]),
        {
            "party_type": party("minorities").pk,
            "impact_area": area("privacy").pk,
            "description": "x",
            "severity": 1,
            "likelihood": 1,
        },
        format="json",
    )
    assert entry.status_code == 404
