"""The main journey in a real browser: log in, switch to Japanese, open the API docs, log out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from aims.choices import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/accounts/login/'] button[type=submit]")


def test_officer_journey(page, live_server):
    UserFactory(username="officer", roles=[Role.GOVERNANCE_OFFICER], profile="en")
    base = live_server.url
    requests, console_errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda msg: (
            console_errors.append(f"{page.url}: {msg.text} @ {msg.location}")
            if msg.type == "error"
            else None
        ),
    )

    log_in(page, base, "officer", PASSWORD)
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator("nav.mainnav")).to_contain_text("Change log")

    page.click("button[name=language][value=ja]")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("h1")).to_have_text("ダッシュボード")
    nav = page.locator("nav.mainnav")
    for label in ("ダッシュボード", "AIシステム", "リスク", "影響評価", "監査", "変更履歴"):
        expect(nav).to_contain_text(label)
    expect(page.locator("button[name=language][value=ja]")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.screenshot(path="/tmp/e2e-dashboard.png", full_page=True)

    page.goto(base + "/api/v1/docs/")
    expect(page.locator(".swagger-ui")).to_be_visible()
    expect(page.get_by_text("/api/v1/tokens/", exact=True).first).to_be_visible()

    # Log out through the user menu; the choice of Japanese is remembered for the next login.
    page.goto(base + "/")
    page.click("details.usermenu summary")
    page.click("details.usermenu button:has-text('ログアウト')")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    log_in(page, base, "officer", PASSWORD)
    expect(page.locator("h1")).to_have_text("ダッシュボード")

    foreign = [url for url in requests if not url.startswith(base)]
    assert foreign == [], f"requests left the server: {foreign}"
    csp = [text for text in console_errors if "Content Security Policy" in text]
    assert csp == [], csp


def test_wrong_password_shows_message(page, live_server):
    UserFactory(username="officer", roles=[Role.GOVERNANCE_OFFICER], profile="en")
    page.goto(live_server.url + "/")  # anonymous: sent to the login page
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/"))
    log_in(page, live_server.url, "officer", "not the password")
    expect(page.locator(".form-errors")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("h1")).to_be_visible()
