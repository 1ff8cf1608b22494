"""The main journey in a real browser: log in, switch to Japanese (remembered in the profile
across logins), open the API docs, log out; and a failed login.

Along the way: no request leaves the live server, and the strict Content Security Policy
(``script-src 'self'; style-src 'self'``) reports no violation in the console.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, Response, expect

from aims.choices import Role
from aims.models import UserProfile
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOGIN_URL = re.compile(r"/accounts/login/(\?.*)?$")
SCREENSHOT = "/tmp/e2e-dashboard.png"


def submit_login(page: Page, username: str, password: str) -> Response:
    """Fills the login form of the current page and submits it; returns the POST's response."""
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/accounts/login/" in r.url
    ) as posted:
        page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state()
    return posted.value


def log_in(page: Page, base: str, username: str, password: str) -> Response:
    page.goto(base + "/accounts/login/")
    return submit_login(page, username, password)


def log_out(page: Page, full_name: str, label: str) -> None:
    """Logs out through the user menu in the top bar (``label``: the button's text)."""
    menu = page.locator("details.usermenu")
    expect(menu.locator("summary")).to_have_text(full_name)
    menu.locator("summary").click()
    menu.get_by_role("button", name=label, exact=True).click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("input[name=username]")).to_be_visible()


def test_officer_journey(page: Page, live_server):
    UserFactory(username="officer", roles=[Role.GOVERNANCE_OFFICER], profile="en")
    full_name = get_user_model().objects.get(username="officer").get_full_name()
    base = live_server.url
    requests: list[str] = []
    console_errors: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda msg: (
            console_errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None
        ),
    )
    html = page.locator("html")
    heading = page.locator("main h1").first
    nav = page.locator("nav.mainnav")
    ja_button = page.locator("form.langswitch button[name=language][value=ja]")
    en_button = page.locator("form.langswitch button[name=language][value=en]")

    # Log in: the dashboard, in English (the profile's language).
    log_in(page, base, "officer", PASSWORD)
    expect(page).to_have_url(base + "/")
    expect(html).to_have_attribute("lang", "en")
    expect(heading).to_have_text("Dashboard")
    expect(nav.get_by_role("link", name="Dashboard", exact=True)).to_be_visible()
    expect(en_button).to_have_attribute("aria-pressed", "true")

    # Switch to Japanese with the button in the top bar.
    expect(ja_button).to_have_text("日本語")
    ja_button.click()
    expect(html).to_have_attribute("lang", "ja")
    expect(ja_button).to_have_attribute("aria-pressed", "true")
    expect(en_button).not_to_have_attribute("aria-pressed", "true")
    expect(nav.get_by_role("link", name="ダッシュボード", exact=True)).to_be_visible()
    expect(heading).to_have_text("ダッシュボード")
    assert UserProfile.objects.get(user__username="officer").language == "ja"
    page.screenshot(path=SCREENSHOT, full_page=True)  # for a human to look at; not asserted

    # The choice is remembered by the profile: log out, forget the browser's cookies (the
    # language cookie included), and log in again.
    log_out(page, full_name, "ログアウト")
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    expect(html).to_have_attribute("lang", "en")  # anonymous: the browser's language
    log_in(page, base, "officer", PASSWORD)
    expect(page).to_have_url(base + "/")
    expect(html).to_have_attribute("lang", "ja")
    expect(heading).to_have_text("ダッシュボード")
    expect(ja_button).to_have_attribute("aria-pressed", "true")

    # The API docs: Swagger UI, its schema fetched from the server with the session.
    with page.expect_response(lambda r: r.url.startswith(base + "/api/v1/schema/")) as schema:
        page.goto(base + "/api/v1/docs/")
    assert schema.value.status == 200, schema.value.status
    expect(page.locator(".swagger-ui")).to_be_visible()
    # Swagger UI lays out the operations near the viewport: the first tag's, and the last
    # tag's once scrolled to the end of the page.
    expect(page.get_by_text("/api/v1/ai-systems/", exact=True).first).to_be_visible()
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    expect(page.get_by_text("/api/v1/tokens/", exact=True).first).to_be_visible()

    # Log out through the user menu: back on the login page.
    page.goto(base + "/")
    log_out(page, full_name, "ログアウト")

    foreign = [url for url in requests if not url.startswith(base)]
    assert foreign == [], f"requests left the live server {base}: {foreign}"
    csp = [
        text for text in console_errors if re.search(r"content[- ]security[- ]policy", text, re.I)
    ]
    assert csp == [], "Content Security Policy violations:\n" + "\n".join(csp)


def test_wrong_password_shows_message(page: Page, live_server):
    UserFactory(username="officer", roles=[Role.GOVERNANCE_OFFICER], profile="en")
    page.goto(live_server.url + "/")  # anonymous: sent to the login page
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))

    response = submit_login(page, "officer", "not the password")
    assert response.status == 200, response.status  # the form again: no redirect, no 500
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("main h1")).to_have_text("Log in")
    errors = page.locator(".form-errors[role=alert]")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("Please enter a correct username and password")
    expect(page.locator("input[name=password]")).to_have_value("")
    expect(page.locator("details.usermenu")).to_have_count(0)  # not signed in
