"""Browser tests: Playwright driving Debian's Chromium (no browser download).

The browser is found at ``$CHROMIUM_PATH`` or on the ``PATH`` (chromium, chromium-browser,
google-chrome). Without one the tests skip, unless ``AIMS_REQUIRE_BROWSER=1`` (CI), where
they fail.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_BROWSER = "no Chromium installed; apt-get install chromium"


def chromium_path() -> str | None:
    """``$CHROMIUM_PATH`` if set, else the first of the usual names found on the ``PATH``."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = chromium_path()
    required = os.environ.get("AIMS_REQUIRE_BROWSER") == "1"
    if path is None:
        if required:
            pytest.fail(
                f"AIMS_REQUIRE_BROWSER=1 but {NO_BROWSER} (looked for $CHROMIUM_PATH and "
                f"{', '.join(CHROMIUM_NAMES)} on the PATH)",
                pytrace=False,
            )
        print(f"skipping browser tests: {NO_BROWSER}")
        pytest.skip(NO_BROWSER)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        # A CHROMIUM_PATH that points nowhere is a configuration mistake, not a missing browser.
        pytest.fail(f"CHROMIUM_PATH={path!r} is not an executable file", pytrace=False)
    return path


@pytest.fixture(scope="module")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in the test thread, and Django refuses
    # ORM calls made while a loop runs unless told they are safe. They are (the calls are
    # synchronous; the live server answers the browser from its own thread). Allowed only
    # while the browser runs, so that the rest of the suite keeps Django's check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(
                executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield instance
            finally:
                instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh context (own cookies), English by the browser's locale."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()
