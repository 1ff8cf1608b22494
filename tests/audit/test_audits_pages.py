"""The audit pages: the programme calendar, the audits list, the workspace (checklist with
the live records and filters, findings, impartiality), a checklist row and a finding posted
through their forms, the report page and its PDF; constant query counts on the lists."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from aims.choices import Role
from aims.services.reports import report_job_create, report_job_render
from audit.models import Finding
from audit.services import audits as services
from tests.conftest import logged_in_client
from tests.factories import AISystemFactory, EvidenceFactory, RequirementFactory, UserFactory
from tests.factories.audit import (
    AuditFactory,
    AuditProgrammeFactory,
    AuditReportFactory,
    FindingFactory,
    make_internal_auditor,
)
from tests.factories.soa import make_control

pytestmark = pytest.mark.django_db


def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_calendar_shows_programmes_with_their_audits_by_month():
    programme = AuditProgrammeFactory(state="approved")
    AuditFactory(
        programme=programme, title="Autumn audit", fieldwork_start=datetime.date(2026, 10, 5)
    )
    html = (
        en(logged_in_client(UserFactory(roles=[Role.VIEWER])))
        .get(reverse("audit_programmes"))
        .content.decode()
    )
    assert programme.code in html and "Autumn audit" in html and "2026-10" in html


def _row_cells(html: str) -> tuple[str, str]:
    controls = re.search(r'data-testid="row-controls">([^<]*)<', html)
    evidence = re.search(r'data-testid="row-evidence">([^<]*)<', html)
    assert controls and evidence, html
    return controls.group(1).strip(), " ".join(evidence.group(1).split())


def test_the_workspace_counts_each_rows_live_records_and_the_row_lists_them():
    """The workspace lists every row of the audit, so it counts what each row is about (one
    Annex A requirement may have hundreds of controls and thousands of pieces of evidence);
    the row's page lists them, the evidence with its version effective in the audit period
    (2026-01-01 – 2026-12-31 here)."""
    requirement = RequirementFactory()
    control = make_control("CTL-42", requirements=[requirement])
    make_control("CTL-43", requirements=[requirement])
    dated = EvidenceFactory(
        ai_systems=[], title="Review log", effective_from=datetime.date(2026, 2, 1)
    )
    later = EvidenceFactory(
        ai_systems=[], title="Later memo", effective_from=datetime.date(2027, 2, 1)
    )
    for item in (dated, later):
        item.controls.add(control)
    audit = AuditFactory(requirements=[requirement], state="in_progress")
    client = en(logged_in_client(audit.owner))
    html = client.get(reverse("audit", args=[audit.pk])).content.decode()
    assert _row_cells(html) == ("2", "1 of 2 in the period")
    assert "Review log" not in html  # listed on the row's page, not here
    filtered = client.get(
        reverse("audit", args=[audit.pk]), {"result": "conforming"}
    ).content.decode()
    assert 'data-testid="checklist-row"' not in filtered

    row = audit.checklist.get()
    page = client.get(reverse("audit_checklist_row", args=[row.pk])).content.decode()
    assert page.count('data-testid="row-control"') == 2 and "CTL-42" in page
    items = re.findall(r'data-testid="row-evidence-item">(.*?)</tr>', page, re.S)
    assert len(items) == 2
    assert "Later memo" in items[0] and "none in the period" in items[0]
    assert "Review log" in items[1] and "v1 (2026-02-01" in items[1]


def test_the_row_lists_its_evidence_a_page_at_a_time_to_an_external_auditor(monkeypatch):
    """An external auditor in their access window reads the row's evidence (all of it is in
    the audit's scope: linked to a requirement in scope), a page at a time."""
    from audit.selectors import audits as selectors

    monkeypatch.setattr(selectors, "EVIDENCE_PAGE", 2)
    requirement = RequirementFactory()
    control = make_control("CTL-7", requirements=[requirement])
    sampled, other = AISystemFactory(), AISystemFactory()
    for number in range(3):
        EvidenceFactory(ai_systems=[sampled], title=f"Seen {number}").controls.add(control)
    EvidenceFactory(ai_systems=[other], title="Seen 3").controls.add(control)
    unrelated = EvidenceFactory(ai_systems=[other], title="Unrelated")
    audit = AuditFactory(requirements=[requirement], ai_systems=[sampled], state="in_progress")
    row = audit.checklist.get()
    external = UserFactory(roles=[Role.EXTERNAL_AUDITOR])
    now = timezone.now()
    services.auditor_access_grant(
        actor=audit.owner,
        audit=audit,
        user=external,
        access_from=now - datetime.timedelta(hours=1),
        access_until=now + datetime.timedelta(days=1),
    )
    client = en(logged_in_client(external))
    html = client.get(reverse("audit", args=[audit.pk])).content.decode()
    assert _row_cells(html) == ("1", "4 of 4 in the period")
    url = reverse("audit_checklist_row", args=[row.pk])
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert re.findall(r">(Seen \d)</a>", first) == ["Seen 0", "Seen 1"]
    assert re.findall(r">(Seen \d)</a>", second) == ["Seen 2", "Seen 3"]
    assert 'rel="next"' in first and "#evidence" in first
    assert unrelated.title not in first + second


def test_the_row_page_runs_a_constant_number_of_queries(django_assert_max_num_queries):
    def row_with(evidence: int):
        requirement = RequirementFactory()
        control = make_control(f"CTL-{evidence}", requirements=[requirement])
        for number in range(evidence):
            EvidenceFactory(ai_systems=[], title=f"E{number}").controls.add(control)
        return AuditFactory(requirements=[requirement], state="in_progress").checklist.get()

    small, large = row_with(1), row_with(12)
    client = logged_in_client(small.audit.owner)
    client.get(reverse("audit_checklist_row", args=[small.pk]))
    with django_assert_max_num_queries(40) as one:
        client.get(reverse("audit_checklist_row", args=[small.pk]))
    client = logged_in_client(large.audit.owner)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(reverse("audit_checklist_row", args=[large.pk])).content.decode()
    assert html.count('data-testid="row-evidence-item"') == 12


def test_the_workspace_warns_about_an_unconfirmed_declaration():
    member = make_internal_auditor("member")
    audit = AuditFactory(team=[member], ai_systems=[AISystemFactory(owner=member)])
    html = en(logged_in_client(audit.owner)).get(reverse("audit", args=[audit.pk])).content.decode()
    assert "Not confirmed yet" in html
    response = logged_in_client(audit.owner).post(reverse("audit_start", args=[audit.pk]))
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.status == "planned"


def test_a_checklist_row_and_a_finding_are_recorded_through_the_pages():
    audit = AuditFactory(state="in_progress")
    row = audit.checklist.get()
    client = logged_in_client(audit.owner)
    response = client.post(
        reverse("audit_checklist_row", args=[row.pk]),
        {"result": "nonconforming", "sample": "5 decisions", "notes": "2 lack a note"},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.result == "nonconforming"
    response = client.post(
        reverse("audit_finding_create", args=[audit.pk]),
        {
            "requirement": row.requirement_id,
            "kind": "minor_nonconformity",
            "title": "Notes missing",
            "description": "Two of five decisions lack the reviewer's note.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    finding = Finding.objects.get()
    assert client.get(reverse("audit_finding", args=[finding.pk])).status_code == 200


def test_a_finding_form_refuses_an_empty_description():
    audit = AuditFactory(state="in_progress")
    response = logged_in_client(audit.owner).post(
        reverse("audit_finding_create", args=[audit.pk]),
        {"requirement": audit.requirements.get().pk, "kind": "observation", "title": "x"},
    )
    assert response.status_code == 400
    assert not Finding.objects.exists()


def test_the_report_page_and_the_issue_step():
    report = AuditReportFactory()
    approver = make_internal_auditor("approver")
    client = logged_in_client(approver)
    assert client.get(reverse("audit_report", args=[report.pk])).status_code == 200
    response = client.post(reverse("audit_report_approve", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "approved"
    report.audit.refresh_from_db()
    assert report.audit.status == "reported"


@pytest.mark.parametrize(
    "name",
    ["audits", "audit_programmes"],
)
def test_lists_run_a_constant_number_of_queries(name, django_assert_max_num_queries):
    reader = UserFactory(roles=[Role.VIEWER])
    client = logged_in_client(reader)
    programme = AuditProgrammeFactory(state="approved")
    AuditFactory(programme=programme, ai_systems=[AISystemFactory()])
    client.get(reverse(name))
    with django_assert_max_num_queries(40) as one:
        assert client.get(reverse(name)).status_code == 200
    for _ in range(30):
        AuditFactory(programme=programme, ai_systems=[AISystemFactory()], requirements=[])
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def _audit_with(count: int):
    requirements = [RequirementFactory() for _ in range(count)]
    for requirement in requirements:
        control = make_control(f"C-{requirement.pk}", requirements=[requirement])
        evidence = EvidenceFactory(ai_systems=[], effective_from=datetime.date(2026, 2, 1))
        evidence.controls.add(control)
    audit = AuditFactory(requirements=requirements, state="in_progress")
    for requirement in requirements:
        FindingFactory(audit=audit, requirement=requirement)
    return audit


def test_the_workspace_runs_a_constant_number_of_queries(django_assert_max_num_queries):
    small, large = _audit_with(1), _audit_with(15)
    client = logged_in_client(small.owner)
    client.get(reverse("audit", args=[small.pk]))
    with django_assert_max_num_queries(60) as one:
        client.get(reverse("audit", args=[small.pk]))
    client = logged_in_client(large.owner)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(reverse("audit", args=[large.pk])).content.decode()
    assert html.count('data-testid="checklist-row"') == 15


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_report_pdf_is_rendered_from_the_frozen_content(language, tmp_path):
    audit = AuditFactory(state="in_progress", scope_description="Hiring AI screening")
    FindingFactory(audit=audit, kind="observation", title="Quarter-end rush")
    report = services.audit_report_issue(actor=audit.owner, audit=audit, conclusions="Sound.")
    report = services.audit_report_approve(actor=make_internal_auditor(), report=report)
    # A later change of the audit does not reach the issued report.
    Finding.objects.update(title="Changed afterwards")
    job = report_job_create(
        actor=audit.owner,
        kind="audit_report",
        format="pdf",
        language=language,
        parameters={"report": report.pk},
    )
    job = report_job_render(job_id=job.pk)
    assert job.status == "done", job.error
    with job.file.open("rb") as handle:
        content = handle.read()
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "Quarter-end rush" in text and "Changed afterwards" not in text
    assert "Hiring AI screening" in text and "Sound." in text
