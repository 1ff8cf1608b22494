"""Browser journey: the officer registers an AI system and grants it to an operator, who then
sees only that system."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from aims.choices import Role
from aims.services.inventory import ai_system_create
from tests.e2e.test_browser import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_grants_a_system_the_operator_then_sees_alone(page, live_server):
    UserFactory(username="officer", roles=[Role.GOVERNANCE_OFFICER], profile="en")
    operator = UserFactory(
        username="operator",
        first_name="Yuki",
        last_name="Suzuki",
        roles=[Role.OPERATIONAL_MEMBER],
        profile="en",
    )
    ai_system_create(actor=None, name="Someone else's system", purpose="Not for the operator")
    base = live_server.url

    log_in(page, base, "officer", PASSWORD)
    page.goto(base + "/ai-systems/")
    page.click("text=Register an AI system")
    page.fill("input[name=name]", "Defect detection")
    page.fill("input[name=version]", "3.1")
    page.fill("textarea[name=purpose]", "Find defects on the production line")
    page.select_option("select[name=lifecycle_stage]", "operation")
    page.check("input[name=organization_roles][value=business_user]")
    page.click("form button[type=submit]:has-text('Save')")
    expect(page.locator("h1")).to_contain_text("Defect detection")

    page.click("text=Access")
    page.select_option("select[name=user]", label="Yuki Suzuki")  # people by name
    page.click("form button[type=submit]:has-text('Grant')")
    expect(page.locator(".card").first).to_contain_text("Yuki Suzuki")
    expect(page.locator(f".card .person[title='{operator.username}']").first).to_be_visible()
    page.click("details.usermenu summary")
    page.click("details.usermenu button:has-text('Log out')")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    log_in(page, base, "operator", PASSWORD)
    page.goto(base + "/ai-systems/")
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Defect detection")
    expect(page.locator("body")).not_to_contain_text("Someone else's system")
