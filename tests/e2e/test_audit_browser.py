"""Browser journey of a nonconformity (9.2, 10.2): the auditor records a minor nonconformity
from the audit's checklist (the finding opens the nonconformity), the operator responds with
a correction, the root cause and a corrective action, marks the action done and asks for
verification; the auditor verifies its effectiveness and closes it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from aims.choices import Role
from audit.choices import NonconformityStatus
from audit.models import Nonconformity
from tests.e2e.test_browser import log_in
from tests.factories import PASSWORD, AISystemFactory, RequirementFactory, UserFactory
from tests.factories.audit import AuditFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_minor_nonconformity_is_answered_verified_and_closed(browser, page, live_server):
    auditor = UserFactory(username="auditor", roles=[Role.INTERNAL_AUDITOR], profile="en")
    operator = UserFactory(username="operator", roles=[Role.OPERATIONAL_MEMBER], profile="en")
    system = AISystemFactory(name="Defect detection", granted_to=[operator])
    requirement = RequirementFactory(ref_id="9.1")
    audit = AuditFactory(
        lead=auditor, ai_systems=[system], requirements=[requirement], state="in_progress"
    )
    base = live_server.url

    # The auditor opens the checklist row of the audit and records a minor nonconformity.
    log_in(page, base, "auditor", PASSWORD)
    page.goto(f"{base}/audits/{audit.pk}/")
    page.get_by_test_id("checklist-row").get_by_role("link").first.click()
    page.get_by_role("link", name="Record a finding").click()
    page.select_option("select[name=kind]", "minor_nonconformity")
    page.fill("input[name=title]", "Evaluation records missing")
    page.fill("textarea[name=description]", "Three monthly evaluations have no record.")
    page.click("main form button[type=submit]")
    expect(page.get_by_text("Evaluation records missing").first).to_be_visible()
    nc = Nonconformity.objects.get()
    assert nc.finding is not None and nc.finding.audit == audit
    assert list(nc.ai_systems.all()) == [system]  # the audit's sample: the operator responds
    url = f"{base}/nonconformities/{nc.pk}/"
    page.goto(url)
    expect(page.get_by_test_id("nc-status")).to_have_text("Open")

    # The operator responds: correction, why chain, root cause, an action done, verification.
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    member = context.new_page()
    log_in(member, base, "operator", PASSWORD)
    member.goto(url)
    expect(member.get_by_test_id("verify")).to_have_count(0)
    member.get_by_test_id("respond").click()
    member.fill("textarea[name=correction]", "The missing records were rebuilt from the logs.")
    member.fill("textarea[name=why_chain]", "No record was kept\nNobody was named to keep it")
    member.fill("textarea[name=root_cause]", "The procedure names nobody to keep the records.")
    member.select_option("select[name=cause_category]", "process")
    member.click("form button[type=submit]:has-text('Save')")
    expect(member.get_by_test_id("root-cause")).to_contain_text("names nobody")
    member.get_by_test_id("add-action").click()
    member.fill("input[name=title]", "Name the record keeper in the procedure")
    member.select_option("select[name=status]", "in_progress")
    member.click("form button[type=submit]:has-text('Save')")
    expect(member.get_by_test_id("action-row")).to_have_count(1)
    member.get_by_test_id("complete-action").click()
    expect(member.get_by_test_id("action-row")).to_contain_text("Done")
    member.get_by_test_id("submit-verification").click()
    expect(member.get_by_test_id("nc-status")).to_have_text("Awaiting verification")
    context.close()

    # The auditor verifies the action effective and closes the nonconformity.
    page.goto(url)
    page.check("input[name=result][value=effective]")
    page.fill("textarea[name=note]", "Sampled three new records: complete.")
    page.get_by_test_id("verify").click()
    expect(page.get_by_test_id("verification")).to_contain_text("Effective")
    page.get_by_test_id("close").click()
    expect(page.get_by_test_id("nc-status")).to_have_text("Closed")
    nc.refresh_from_db()
    assert nc.status == NonconformityStatus.CLOSED and nc.verified_by == auditor
