"""Choice lists and error summaries in a real browser (issue 11, items 10 and 11): the officer
finds Annex A controls by typing in the treatment action's picker, filters the register with
the status checkboxes, and an invalid form opens on an error summary that holds the focus and
whose links move the focus to their field."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from aims.choices import Role
from aims.services.inventory import ai_system_create
from risk.defaults import create_shipped_matrices
from risk.models import RiskCriteria, RiskMatrix, TreatmentAction
from risk.services.register import risk_create
from tests.e2e.test_browser import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_search_pickers_filter_checkboxes_and_the_error_summary(page: Page, live_server):
    UserFactory(username="officer", roles=[Role.GOVERNANCE_OFFICER], profile="en")
    call_command("load_library", verbosity=0)
    create_shipped_matrices(RiskMatrix, RiskCriteria)
    system = ai_system_create(actor=None, name="Recruitment screening", purpose="Rank")
    risk = risk_create(
        actor=None,
        title="Biased ranking",
        ai_systems=[system],
        inherent_likelihood=3,
        inherent_impact=3,
    )
    base = live_server.url
    log_in(page, base, "officer", PASSWORD)

    # Annex A controls: 38 checkboxes; typing narrows them, a checked one stays in view.
    page.goto(f"{base}/risks/{risk.pk}/actions/new/")
    picker = page.locator("#id_controls")
    expect(picker.locator("label")).to_have_count(38)
    search = page.get_by_role("searchbox", name="Search the choices")
    search.fill("A.6.2.8")
    expect(picker.locator("label:visible")).to_have_count(1)
    picker.locator("label:visible input").check()
    search.fill("A.9")
    expect(picker.locator("label:visible")).not_to_have_count(38)
    expect(picker.locator("label:visible", has_text="A.6.2.8")).to_have_count(1)
    search.press("Enter")  # searching does not submit the form
    expect(page).to_have_url(f"{base}/risks/{risk.pk}/actions/new/")

    # An invalid form: the summary has the focus and its link takes the focus to the field.
    page.click("form button[type=submit]:has-text('Save')")
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Title").click()
    expect(page.locator("#id_title")).to_be_focused()
    expect(picker.locator("input:checked")).to_have_count(1)  # the choice survived
    page.fill("#id_title", "Log the rankings")
    page.click("form button[type=submit]:has-text('Save')")
    expect(page).to_have_url(f"{base}/risks/{risk.pk}/")
    action = TreatmentAction.objects.get()
    assert [c.ref_id for c in action.controls.all()] == ["A.6.2.8"]

    # The register's status filter: a folded checkbox group that names its choice.
    page.goto(base + "/risks/")
    status = page.locator("fieldset", has_text="Status").locator("details")
    expect(status.locator("summary")).to_have_text("Any")
    status.locator("summary").click()
    status.get_by_label("Open").check()
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/risks/?*")
    assert "status=open" in page.url
    expect(page.locator("fieldset", has_text="Status").locator("summary")).to_have_text("Open")
