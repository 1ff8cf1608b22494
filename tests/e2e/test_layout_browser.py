"""Phone and tablet layout and the Japanese web font in a real browser (issue 11, items 13 and
14), on the demo organisation in Japanese.

At 390 px (a phone) no main page scrolls sideways: the navigation folds behind a menu button,
tables scroll inside their own box, heat maps shrink. This machine has no Japanese system
font, so the Japanese text is drawn with the shipped WOFF2 subset, never the TrueType file.
"""

from __future__ import annotations

import subprocess

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from aims.models import AISystem
from impact.models import ImpactAssessment
from risk.models import Risk
from tests.e2e.test_browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "demo-Passw0rd-390"

# The pages a phone user must be able to read: one line each ({risk}, {system} and
# {assessment} are the ids of a demo record).
PHONE_PAGES = [
    "/",
    "/risks/",
    "/risks/{risk}/",
    "/risks/{risk}/edit/",
    "/risks/matrices/",
    "/ai-systems/",
    "/ai-systems/{system}/",
    "/impact-assessments/",
    "/impact-assessments/{assessment}/",
    "/documents/",
    "/objectives/",
    "/conformance/",
    "/context/",
    "/library/",
    "/changes/",
    "/reports/",
    "/notifications/",
    "/inbox/",
    "/library/glossary/",
    "/readiness/",
    "/competence/",
]

# Elements that stick out of the viewport and are not inside a box that scrolls: what makes
# the page scroll sideways (named for the failure message).
WIDE_ELEMENTS = """() => {
  const width = window.innerWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll" || x === "hidden") return true;
    }
    return false;
  };
  return [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > width && !scrolls(el))
    .slice(0, 8)
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
      + (el.name ? "[name=" + el.name + "]" : "")
      + " " + Math.round(el.getBoundingClientRect().right) + "px");
}"""


@pytest.fixture
def demo(settings):
    from django.contrib.auth.models import Group

    from aims.choices import Role
    from risk.defaults import create_shipped_matrices
    from risk.models import RiskCriteria, RiskMatrix

    settings.DEMO_PASSWORD = DEMO_PASSWORD
    # The role groups and the shipped matrices come from migrations, which an earlier browser
    # test's flush emptied.
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    if not RiskMatrix.objects.exists():
        create_shipped_matrices(RiskMatrix, RiskCriteria)
    call_command("load_library", verbosity=0)
    call_command("load_demo", verbosity=0)
    return {
        "risk": Risk.objects.order_by("pk").first().pk,
        "system": AISystem.objects.order_by("pk").first().pk,
        "assessment": ImpactAssessment.objects.order_by("pk").first().pk,
    }


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(locale="ja-JP", viewport=PHONE, device_scale_factor=1)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def test_main_pages_fit_a_phone_and_the_navigation_folds_behind_a_menu_button(
    phone: Page, live_server, demo
):
    base = live_server.url
    log_in(phone, base, "officer", DEMO_PASSWORD)
    too_wide = {}
    for pattern in PHONE_PAGES:
        url = pattern.format(**demo)
        response = phone.goto(base + url)
        assert response is not None and response.ok, url
        scroll_width, inner_width = phone.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert inner_width == PHONE["width"]
        if scroll_width > inner_width:
            too_wide[url] = (scroll_width, phone.evaluate(WIDE_ELEMENTS))
    assert not too_wide, "\n".join(
        f"{url}: {width} px wide: {', '.join(elements)}"
        for url, (width, elements) in too_wide.items()
    )

    # The navigation folds behind a menu button on a phone.
    phone.goto(base + "/")
    nav = phone.locator("nav.mainnav")
    expect(nav).to_be_hidden()
    phone.locator("label.nav-button").click()
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="リスク", exact=True).click()
    expect(phone).to_have_url(base + "/risks/")
    # A desktop window shows the navigation and no menu button.
    phone.set_viewport_size({"width": 1280, "height": 900})
    expect(phone.locator("nav.mainnav")).to_be_visible()
    expect(phone.locator("label.nav-button")).to_be_hidden()


def _system_has_japanese_fonts() -> bool:
    try:
        listed = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return False
    return bool(listed.strip())


def test_japanese_is_drawn_with_the_web_font_subset(phone: Page, live_server):
    fonts: list[str] = []
    phone.on(
        "request",
        lambda request: fonts.append(request.url) if request.resource_type == "font" else None,
    )
    phone.goto(live_server.url + "/accounts/login/")  # in Japanese (the default)
    expect(phone.locator("h1")).to_have_text("ログイン")
    if _system_has_japanese_fonts():
        # A system font covers Japanese: the browser rightly never needs the web font. Load
        # it explicitly to check it is served and draws Japanese.
        phone.evaluate("document.fonts.load('16px \"AIMS Japanese UI\"', 'ログイン')")
    faces = phone.evaluate(
        """async () => {
          await document.fonts.ready;
          return [...document.fonts]
            .filter((face) => face.family.replaceAll('"', '') === 'AIMS Japanese UI')
            .map((face) => face.status);
        }"""
    )
    assert faces == ["loaded"]
    assert phone.evaluate("document.fonts.check('16px \"AIMS Japanese UI\"', 'ログイン')")
    assert [url.rsplit("/", 1)[-1].split(".")[-1] for url in fonts] == ["woff2"], fonts
    assert "NotoSansJP-UI-Regular" in fonts[0]
    # Drawn as glyphs, not boxes: the heading and the language button take the width their
    # text has in the web font alone (Chromium once drew them as narrower boxes when the stack
    # began with system-ui, although the font had loaded).
    widths = phone.evaluate(
        """(selectors) => selectors.map((selector) => {
          const width = (element) => {
            const range = document.createRange();
            range.selectNodeContents(element);
            return range.getBoundingClientRect().width;
          };
          const original = document.querySelector(selector);
          const copy = original.cloneNode(true);
          // The web font covers Japanese only (its unicode-range): other characters (a
          // label's " *") fall back to the same generic family as in the page's stack.
          copy.style.fontFamily = '"AIMS Japanese UI", sans-serif';
          original.after(copy);
          return [selector, width(original), width(copy)];
        })""",
        ["main h1", ".langswitch button[lang=ja]", "label[for=id_username]"],
    )
    for selector, drawn, in_web_font in widths:
        assert drawn == pytest.approx(in_web_font, abs=0.5), selector
    # And two different kana give different pixels (a missing glyph is the same box for both).
    ro, n = (
        phone.evaluate(
            """(text) => {
              const canvas = document.createElement("canvas");
              canvas.width = canvas.height = 40;
              const context = canvas.getContext("2d");
              const family = getComputedStyle(document.documentElement).fontFamily;
              context.font = "32px " + family;
              context.fillText(text, 2, 34);
              return canvas.toDataURL();
            }""",
            text,
        )
        for text in ("ロ", "ン")
    )
    assert ro != n
