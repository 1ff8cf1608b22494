"""Browser journey of a nonconformity (10.2): the auditor records a minor nonconformity, the
operator responds with a correction, the root cause and a corrective action, marks the action
done and asks for verification; the auditor verifies its effectiveness and closes it.

(The auditor raises it on the nonconformity pages: once the audit workspace's checklist is
merged, the first step records the finding in the checklist, which opens the nonconformity.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from aims.choices import Role
from audit.choices import NonconformityStatus
from audit.models import Nonconformity
from tests.e2e.test_browser import log_in
from tests.factories import PASSWORD, AISystemFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_minor_nonconformity_is_answered_verified_and_closed(browser, page, live_server):
    auditor = UserFactory(username="auditor", roles=[Role.INTERNAL_AUDITOR], profile="en")
    operator = UserFactory(username="operator", roles=[Role.OPERATIONAL_MEMBER], profile="en")
    AISystemFactory(name="Defect detection", granted_to=[operator])
    base = live_server.url

    # The auditor records the nonconformity, owned by the operator.
    log_in(page, base, "auditor", PASSWORD)
    page.goto(base + "/nonconformities/")
    page.get_by_test_id("raise-nonconformity").click()
    page.fill("input[name=title]", "Evaluation records missing")
    page.fill("textarea[name=description]", "Three monthly evaluations have no record.")
    page.select_option("select[name=severity]", "minor")
    page.check("text=Defect detection")
    page.select_option("select[name=owner]", str(operator.pk))
    page.click("form button[type=submit]:has-text('Save')")
    expect(page.get_by_test_id("nc-status")).to_have_text("Open")
    nc = Nonconformity.objects.get()
    url = f"{base}/nonconformities/{nc.pk}/"

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
