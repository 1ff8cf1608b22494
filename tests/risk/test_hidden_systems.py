"""A risk linked to several AI systems names, to each reader, only the systems they may see,
and "N other AI systems" for the rest: on the risk's page, in the register, in the API, in
the CSV, XLSX and PDF register; writing the risk leaves the links its writer may not change
as they are."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook

from aims.choices import ReportStatus
from aims.services.inventory import ai_system_create, ai_system_grant
from aims.services.reports import report_job_create, report_job_render
from risk import reports
from risk.services.register import risk_create, risk_update
from tests.conftest import logged_in_api_client, logged_in_client
from tests.factories import AISystemFactory

SECRETS = ("SecretAlpha", "SecretBeta")


@pytest.fixture
def mine(operator):
    system = ai_system_create(actor=None, name="VisibleSystem", purpose="審査の補助")
    ai_system_grant(actor=None, system=system, user=operator)
    return system


@pytest.fixture
def shared(mine, m5):
    """A risk of the operator's system and of two systems not granted to them."""
    hidden = [ai_system_create(actor=None, name=name, purpose="社内") for name in SECRETS]
    return risk_create(
        actor=None,
        title="Shared risk",
        ai_systems=[mine, *hidden],
        inherent_likelihood=3,
        inherent_impact=3,
    )


def assert_only_mine(text: str, count: int = 2) -> None:
    assert "VisibleSystem" in text
    for name in SECRETS:
        assert name not in text
    assert f"{count} other AI systems" in text


def test_the_risk_page_names_only_the_systems_the_reader_sees(operator, officer, shared):
    url = reverse("risk", args=[shared.pk])
    html = logged_in_client(operator).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert_only_mine(html)
    full = logged_in_client(officer).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert all(name in full for name in SECRETS) and "other AI system" not in full


def test_one_hidden_system_is_named_in_the_singular(operator, mine, m5):
    other = ai_system_create(actor=None, name=SECRETS[0], purpose="社内")
    risk = risk_create(
        actor=None, title="Pair", ai_systems=[mine, other], inherent_likelihood=1, inherent_impact=1
    )
    url = reverse("risk", args=[risk.pk])
    html = logged_in_client(operator).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 other AI system<" in html and SECRETS[0] not in html


def test_the_register_names_only_the_systems_the_reader_sees(operator, shared):
    response = logged_in_client(operator).get(reverse("risks"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Shared risk" in response.content.decode()
    assert_only_mine(response.content.decode())


def test_the_register_names_systems_in_a_constant_number_of_queries(operator, mine, m5):
    """One query a page for the systems the reader sees, not one a row."""
    client = logged_in_client(operator)

    def make(n: int) -> None:
        for _ in range(n):
            other = AISystemFactory()
            risk_create(
                actor=None,
                title="R",
                ai_systems=[mine, other],
                inherent_likelihood=1,
                inherent_impact=1,
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("risks"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "AI system 0" not in html and "1 other AI system" in html
        return len(queries)

    make(1)
    client.get(reverse("risks"))
    one = count()
    make(30)
    assert count() == one


def test_the_api_lists_only_the_systems_the_reader_sees(operator, officer, mine, shared):
    hidden = set(shared.ai_systems.exclude(pk=mine.pk).values_list("pk", flat=True))
    client = logged_in_api_client(operator)
    detail = client.get(reverse("api:risk-detail", args=[shared.pk])).json()
    assert detail["ai_systems"] == [mine.pk]
    assert detail["other_ai_systems"] == 2
    listed = client.get(reverse("api:risk-list")).json()["results"]
    assert [(r["ai_systems"], r["other_ai_systems"]) for r in listed] == [([mine.pk], 2)]
    full = logged_in_api_client(officer).get(reverse("api:risk-detail", args=[shared.pk])).json()
    assert set(full["ai_systems"]) == hidden | {mine.pk} and full["other_ai_systems"] == 0


def test_writing_the_risk_through_the_api_keeps_the_hidden_links(operator, mine, shared):
    before = set(shared.ai_systems.values_list("pk", flat=True))
    client = logged_in_api_client(operator)
    url = reverse("api:risk-detail", args=[shared.pk])
    body = client.get(url).json()
    response = client.patch(url, {"ai_systems": body["ai_systems"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["ai_systems"] == [mine.pk]
    assert set(shared.ai_systems.values_list("pk", flat=True)) == before


def test_the_acceptance_step_answers_with_the_risk_as_its_caller_sees_it(executive, shared):
    from datetime import timedelta

    from django.utils import timezone

    response = logged_in_api_client(executive).post(
        reverse("api:risk-accept", args=[shared.pk]),
        {"rationale": "ok", "expires_on": str(timezone.localdate() + timedelta(days=30))},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["ai_systems"]) == 3  # top management sees every system


def test_a_system_the_writer_may_only_read_stays_linked(operator, mine, shared):
    """The page's form offers the systems the writer may change; saving it leaves a link to
    a system they may only read (a view-only grant) as it is, as the hidden ones."""
    readable = ai_system_create(actor=None, name="Read-only", purpose="x")
    assign_perm("aims.view_aisystem", operator, readable)
    shared.ai_systems.add(readable)
    before = set(shared.ai_systems.values_list("pk", flat=True))
    risk_update(actor=operator, risk=shared, ai_systems=[mine])
    assert set(shared.ai_systems.values_list("pk", flat=True)) == before


def test_a_new_link_to_a_system_the_writer_may_only_read_is_refused(operator, mine, m5):
    readable = ai_system_create(actor=None, name="Read-only", purpose="x")
    assign_perm("aims.view_aisystem", operator, readable)
    response = logged_in_api_client(operator).post(
        reverse("api:risk-list"),
        {
            "title": "t",
            "ai_systems": [mine.pk, readable.pk],
            "inherent_likelihood": 1,
            "inherent_impact": 1,
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"].get("fields", {}).get("ai_systems") == [
        f"You may not link records to AI system {readable.pk}."
    ]


# --- Exports -------------------------------------------------------------------------------------
def render(user, fmt: str) -> bytes:
    job = report_job_create(
        actor=user, kind="risk_register", format=fmt, language="en", parameters={}
    )
    job = report_job_render(job_id=job.pk)
    assert job.status == ReportStatus.DONE, job.error
    with job.file.open("rb") as handle:
        return handle.read()


def test_the_csv_register_names_only_the_systems_the_requester_sees(operator, officer, shared):
    table = list(csv.reader(io.StringIO(render(operator, "csv").decode("utf-8-sig"))))
    row = dict(zip(table[0], table[1], strict=True))
    assert row["ai_systems"] == "VisibleSystem, 2 other AI systems"
    table = list(csv.reader(io.StringIO(render(officer, "csv").decode("utf-8-sig"))))
    row = dict(zip(table[0], table[1], strict=True))
    assert all(name in row["ai_systems"] for name in SECRETS)


def test_the_xlsx_register_names_only_the_systems_the_requester_sees(operator, shared):
    sheet = load_workbook(io.BytesIO(render(operator, "xlsx"))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["ai_systems"] == "VisibleSystem, 2 other AI systems"
    everything = " ".join(str(v) for line in rows for v in line if v is not None)
    assert not any(name in everything for name in SECRETS)


def test_the_pdf_register_names_only_the_systems_the_requester_sees(operator, shared, tmp_path):
    job = report_job_create(
        actor=operator, kind="risk_register", format="pdf", language="en", parameters={}
    )
    with translation.override("en"):
        html = render_to_string("risk/report_register.html", reports.pdf_context(job))
    assert_only_mine(html)
    if shutil.which("pdftotext"):  # the PDF itself, as a reader's tool extracts its text
        path = tmp_path / "register.pdf"
        path.write_bytes(render(operator, "pdf"))
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
        assert_only_mine(" ".join(text.split()))
