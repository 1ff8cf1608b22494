"""Browser journey: the officer starts a risk from the catalogue, switches the matrix (htmx
swaps the scales), saves it, and requests the register report; a real Celery worker renders
it while the page polls (htmx) until the download appears."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from aims.choices import Role
from aims.services.inventory import ai_system_create
from risk.defaults import create_shipped_matrices
from risk.models import Risk, RiskCriteria, RiskMatrix
from tests.celery_worker import running_worker
from tests.e2e.test_browser import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_officer_registers_a_risk_from_the_catalogue_and_gets_the_register_report(
    page, live_server
):
    UserFactory(username="officer", roles=[Role.GOVERNANCE_OFFICER], profile="en")
    call_command("load_library", verbosity=0)
    create_shipped_matrices(RiskMatrix, RiskCriteria)
    ai_system_create(actor=None, name="Recruitment screening", purpose="Rank applications")
    base = live_server.url

    log_in(page, base, "officer", PASSWORD)
    page.goto(base + "/risks/templates/")
    page.locator("tr", has_text="Biased or discriminatory outputs").get_by_role(
        "link", name="Use"
    ).click()
    expect(page.locator("input[name=title]")).to_have_value("Biased or discriminatory outputs")
    page.check("text=Recruitment screening")
    page.select_option("select[name=matrix]", label="3 × 3 risk matrix (v1)")
    expect(page.locator("select[name=inherent_likelihood] option")).to_have_count(3)
    page.select_option("select[name=inherent_likelihood]", "3")
    page.select_option("select[name=inherent_impact]", "3")
    page.select_option("select[name=residual_likelihood]", "1")
    page.select_option("select[name=residual_impact]", "2")
    page.click("form button[type=submit]:has-text('Save')")
    expect(page.get_by_test_id("inherent-level")).to_have_text("High")
    expect(page.get_by_test_id("residual-level")).to_have_text("Low")
    risk = Risk.objects.get()
    assert risk.principles.filter(ref_id="C-3").exists()

    page.goto(base + "/risks/")
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    with running_worker():
        page.select_option("#export-format", "csv")
        page.click("text=Report on these risks")
        expect(page.get_by_test_id("report-download")).to_be_visible(timeout=30000)
    with page.expect_download() as download:
        page.get_by_test_id("report-download").click()
    content = download.value.path().read_text(encoding="utf-8-sig")
    assert "Biased or discriminatory outputs" in content
