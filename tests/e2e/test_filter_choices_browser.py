"""A long choice list of a filter bar in a real browser: loaded when opened, searched on the
server as the user types, the chosen row kept (``aims.js``, ``aims.widgets.LazySelect``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from aims.choices import Role
from aims.services.inventory import ai_system_create
from aims.widgets import LazySelect
from tests.e2e.test_browser import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_long_system_list_loads_when_opened_and_searches(page: Page, live_server, monkeypatch):
    monkeypatch.setattr(LazySelect, "LAZY_FROM", 3)
    UserFactory(username="officer", roles=[Role.GOVERNANCE_OFFICER], profile="en")
    for name in ("Alpha scorer", "Beta ranker", "Gamma triage", "Delta screening", "Omega chat"):
        ai_system_create(actor=None, name=name, purpose="p")
    log_in(page, live_server.url, "officer", PASSWORD)
    page.goto(live_server.url + "/risks/")
    select = page.locator("select[name=ai_system]")
    expect(select.locator("option")).to_have_count(1)  # "Any" alone until opened
    select.focus()
    expect(select.locator("option")).to_have_count(6)
    page.locator("input.choice-search[aria-controls=id_ai_system]").fill("gamma")
    expect(select.locator("option")).to_have_count(2)
    expect(select.locator("option").nth(1)).to_have_text("Gamma triage")
    select.select_option(label="Gamma triage")
    page.locator("form.filters button[type=submit]").first.click()
    page.wait_for_load_state()
    chosen = page.locator("select[name=ai_system] option:checked")
    expect(chosen).to_have_text("Gamma triage")
